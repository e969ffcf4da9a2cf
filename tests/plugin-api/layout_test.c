/* Layout freeze test for the pvpd plugin ABI (x86_64 / LP64), as of ABI 1.0.
 *
 * Every struct's size and every field's offset, as compile-time assertions. The file is
 * compiled as C11 (layout_test_c) and as C++ (layout_test_cxx.cpp #includes it), so both
 * languages agree with the numbers below. A reorder, a retyped field or a member inserted in
 * the middle fails the build and shows exactly which number moved.
 *
 * RULE: appending a member in a new minor adds new asserts (and raises the struct's size
 * assert, the only number that may change); never edit an existing offset. */
#include <pvpd/plugin_abi.h>

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
#define LAYOUT_ASSERT(expr, msg) static_assert(expr, msg)
#else
#define LAYOUT_ASSERT(expr, msg) _Static_assert(expr, msg)
#endif

#define SIZE_IS(type, n) LAYOUT_ASSERT(sizeof(type) == (n), "sizeof(" #type ") changed")
#define OFFSET_IS(type, field, n) \
  LAYOUT_ASSERT(offsetof(type, field) == (n), "offsetof(" #type ", " #field ") changed")

#if !defined(__x86_64__) && !defined(__aarch64__)
#error "the layout numbers below are for LP64 targets (x86_64, aarch64)"
#endif

/* Scalar typedefs. */
SIZE_IS(pvpd_status, 4);
SIZE_IS(pvpd_conn_id, 8);
SIZE_IS(pvpd_sub_id, 8);
SIZE_IS(pvpd_timer_id, 8);

/* Values are part of the ABI too: a renumbered code or bit is an incompatible change. */
LAYOUT_ASSERT(PVPD_ABI_MAJOR == 1, "major");
LAYOUT_ASSERT(PVPD_OK == 0 && PVPD_E_INVAL == -1 && PVPD_E_NOMEM == -2 && PVPD_E_AGAIN == -3 &&
                  PVPD_E_UNSUPPORTED == -4 && PVPD_E_STATE == -5 && PVPD_E_NOENT == -6 &&
                  PVPD_E_INTERNAL == -7 && PVPD_E_CANCELED == -8 && PVPD_E_TOOBIG == -9 &&
                  PVPD_E_PERM == -10 && PVPD_E_EXISTS == -11 && PVPD_E_IO == -12,
              "status codes");
LAYOUT_ASSERT(PVPD_LOG_TRACE == 0 && PVPD_LOG_DEBUG == 1 && PVPD_LOG_INFO == 2 &&
                  PVPD_LOG_WARN == 3 && PVPD_LOG_ERROR == 4 && PVPD_LOG_CRITICAL == 5,
              "log levels");
LAYOUT_ASSERT(PVPD_KIND_TRANSPORT == 0x1u && PVPD_KIND_AGENT == 0x2u && PVPD_KIND_BRIDGE == 0x4u,
              "kinds");
LAYOUT_ASSERT(PVPD_CONN_TLS == 0x1u && PVPD_CONN_LOCAL == 0x2u && PVPD_CONN_INTERNAL == 0x4u,
              "conn flags");
LAYOUT_ASSERT(PVPD_CLOSE_NORMAL == 0 && PVPD_CLOSE_PEER_GONE == 1 &&
                  PVPD_CLOSE_PROTOCOL_ERROR == 2 && PVPD_CLOSE_SLOW_CONSUMER == 3 &&
                  PVPD_CLOSE_SHUTDOWN == 4 && PVPD_CLOSE_POLICY == 5 && PVPD_CLOSE_IDLE == 6,
              "close reasons");
LAYOUT_ASSERT(PVPD_MSG_DROPPABLE == 0x1u && PVPD_MSG_REPLAY == 0x2u, "msg flags");
LAYOUT_ASSERT(PVPD_OPT_STRING == 1u && PVPD_OPT_INT == 2u && PVPD_OPT_BOOL == 3u &&
                  PVPD_OPT_DURATION == 4u && PVPD_OPT_SIZE == 5u && PVPD_OPT_FLOAT == 6u &&
                  PVPD_OPT_STRING_LIST == 7u && PVPD_OPT_ANY == 8u,
              "option types");
LAYOUT_ASSERT(PVPD_OPT_REQUIRED == 0x1u && PVPD_OPT_RELOADABLE == 0x2u && PVPD_OPT_SECRET == 0x4u &&
                  PVPD_OPT_RANGE == 0x8u,
              "option flags");
LAYOUT_ASSERT(PVPD_PLUGIN_MULTI_INSTANCE == 0x1u, "plugin flags");

/* pvpd_str */
SIZE_IS(pvpd_str, 16);
OFFSET_IS(pvpd_str, ptr, 0);
OFFSET_IS(pvpd_str, len, 8);

/* pvpd_conn_info */
SIZE_IS(pvpd_conn_info, 72);
OFFSET_IS(pvpd_conn_info, struct_size, 0);
OFFSET_IS(pvpd_conn_info, flags, 4);
OFFSET_IS(pvpd_conn_info, transport, 8);
OFFSET_IS(pvpd_conn_info, peer, 24);
OFFSET_IS(pvpd_conn_info, credential, 40);
OFFSET_IS(pvpd_conn_info, tls_peer_subject, 56);

/* pvpd_msg_view */
SIZE_IS(pvpd_msg_view, 88);
OFFSET_IS(pvpd_msg_view, struct_size, 0);
OFFSET_IS(pvpd_msg_view, flags, 4);
OFFSET_IS(pvpd_msg_view, seq, 8);
OFFSET_IS(pvpd_msg_view, type, 16);
OFFSET_IS(pvpd_msg_view, session, 32);
OFFSET_IS(pvpd_msg_view, sender, 48);
OFFSET_IS(pvpd_msg_view, id, 64);
OFFSET_IS(pvpd_msg_view, envelope, 80);

/* pvpd_sub_filter */
SIZE_IS(pvpd_sub_filter, 40);
OFFSET_IS(pvpd_sub_filter, struct_size, 0);
OFFSET_IS(pvpd_sub_filter, flags, 4);
OFFSET_IS(pvpd_sub_filter, session, 8);
OFFSET_IS(pvpd_sub_filter, type_prefix, 24);

/* pvpd_host_api_v1 */
SIZE_IS(pvpd_host_api_v1, 232); /* 1.0: 168; 1.1 appended two slots; 1.2 six */
OFFSET_IS(pvpd_host_api_v1, struct_size, 0);
OFFSET_IS(pvpd_host_api_v1, abi_major, 4);
OFFSET_IS(pvpd_host_api_v1, abi_minor, 8);
OFFSET_IS(pvpd_host_api_v1, reserved0, 12);
OFFSET_IS(pvpd_host_api_v1, log, 16);
OFFSET_IS(pvpd_host_api_v1, buf_copy, 24);
OFFSET_IS(pvpd_host_api_v1, buf_ref, 32);
OFFSET_IS(pvpd_host_api_v1, buf_unref, 40);
OFFSET_IS(pvpd_host_api_v1, buf_view, 48);
OFFSET_IS(pvpd_host_api_v1, conn_open, 56);
OFFSET_IS(pvpd_host_api_v1, conn_inbound, 64);
OFFSET_IS(pvpd_host_api_v1, conn_closed, 72);
OFFSET_IS(pvpd_host_api_v1, conn_pressure, 80);
OFFSET_IS(pvpd_host_api_v1, publish, 88);
OFFSET_IS(pvpd_host_api_v1, subscribe, 96);
OFFSET_IS(pvpd_host_api_v1, unsubscribe, 104);
OFFSET_IS(pvpd_host_api_v1, post, 112);
OFFSET_IS(pvpd_host_api_v1, timer_start, 120);
OFFSET_IS(pvpd_host_api_v1, timer_cancel, 128);
OFFSET_IS(pvpd_host_api_v1, run_blocking, 136);
OFFSET_IS(pvpd_host_api_v1, take_listen_fd, 144);
OFFSET_IS(pvpd_host_api_v1, state_dir, 152);
OFFSET_IS(pvpd_host_api_v1, read_credential, 160);
/* 1.1 */
OFFSET_IS(pvpd_host_api_v1, daemon_status_json, 168);
OFFSET_IS(pvpd_host_api_v1, metrics_text, 176);
OFFSET_IS(pvpd_host_api_v1, instance_id, 184);
OFFSET_IS(pvpd_host_api_v1, journal_head, 192);
OFFSET_IS(pvpd_host_api_v1, session_find, 200);
OFFSET_IS(pvpd_host_api_v1, admin_sessions_json, 208);
OFFSET_IS(pvpd_host_api_v1, admin_transcript, 216);
OFFSET_IS(pvpd_host_api_v1, session_set_workdir, 224);

/* pvpd_option_desc */
SIZE_IS(pvpd_option_desc, 64);
OFFSET_IS(pvpd_option_desc, struct_size, 0);
OFFSET_IS(pvpd_option_desc, type, 4);
OFFSET_IS(pvpd_option_desc, flags, 8);
OFFSET_IS(pvpd_option_desc, reserved0, 12);
OFFSET_IS(pvpd_option_desc, key, 16);
OFFSET_IS(pvpd_option_desc, default_json, 24);
OFFSET_IS(pvpd_option_desc, help, 32);
OFFSET_IS(pvpd_option_desc, choices, 40);
OFFSET_IS(pvpd_option_desc, min_value, 48);
OFFSET_IS(pvpd_option_desc, max_value, 56);

/* pvpd_plugin_vtable_v1 */
SIZE_IS(pvpd_plugin_vtable_v1, 88);
OFFSET_IS(pvpd_plugin_vtable_v1, struct_size, 0);
OFFSET_IS(pvpd_plugin_vtable_v1, reserved0, 4);
OFFSET_IS(pvpd_plugin_vtable_v1, create, 8);
OFFSET_IS(pvpd_plugin_vtable_v1, start, 16);
OFFSET_IS(pvpd_plugin_vtable_v1, reload, 24);
OFFSET_IS(pvpd_plugin_vtable_v1, stop, 32);
OFFSET_IS(pvpd_plugin_vtable_v1, destroy, 40);
OFFSET_IS(pvpd_plugin_vtable_v1, deliver, 48);
OFFSET_IS(pvpd_plugin_vtable_v1, close_conn, 56);
OFFSET_IS(pvpd_plugin_vtable_v1, flow, 64);
OFFSET_IS(pvpd_plugin_vtable_v1, validate, 72);
OFFSET_IS(pvpd_plugin_vtable_v1, status_json, 80);

/* pvpd_plugin_descriptor_v1 */
SIZE_IS(pvpd_plugin_descriptor_v1, 80);
OFFSET_IS(pvpd_plugin_descriptor_v1, struct_size, 0);
OFFSET_IS(pvpd_plugin_descriptor_v1, abi_major, 4);
OFFSET_IS(pvpd_plugin_descriptor_v1, abi_minor_built, 8);
OFFSET_IS(pvpd_plugin_descriptor_v1, min_host_minor, 12);
OFFSET_IS(pvpd_plugin_descriptor_v1, name, 16);
OFFSET_IS(pvpd_plugin_descriptor_v1, version, 24);
OFFSET_IS(pvpd_plugin_descriptor_v1, description, 32);
OFFSET_IS(pvpd_plugin_descriptor_v1, license, 40);
OFFSET_IS(pvpd_plugin_descriptor_v1, kinds, 48);
OFFSET_IS(pvpd_plugin_descriptor_v1, flags, 52);
OFFSET_IS(pvpd_plugin_descriptor_v1, options, 56);
OFFSET_IS(pvpd_plugin_descriptor_v1, option_count, 64);
OFFSET_IS(pvpd_plugin_descriptor_v1, reserved0, 68);
OFFSET_IS(pvpd_plugin_descriptor_v1, vtable, 72);

int main(void) {
  return 0;
}
