/* ABI probe: a tiny shared object whose one exported function takes a pointer to every public
 * type of <pvpd/plugin_abi.h>, so that `abidw` sees (and records the layout of) all of them.
 * scripts/check-abi builds it with -g -Og and diffs it against pvpd_plugin_abi.xml.
 *
 * When a new minor adds a public type, add a parameter for it here (at the end) and refresh the
 * baseline with scripts/update-abi-baseline. Nothing calls this function. */
#include <pvpd/plugin_abi.h>

__attribute__((visibility("default"))) void pvpd_abi_probe(
    const pvpd_str *str, const pvpd_conn_id *conn, const pvpd_sub_id *sub,
    const pvpd_timer_id *timer, const pvpd_status *status, const pvpd_host_ctx *ctx,
    const pvpd_buf *buf, const pvpd_task_fn *task, const pvpd_conn_info *conn_info,
    const pvpd_msg_view *msg, const pvpd_sub_filter *filter, const pvpd_msg_fn *msg_fn,
    const pvpd_report_fn *report_fn, const pvpd_host_api_v1 *host_api,
    const pvpd_option_desc *option, const pvpd_plugin_vtable_v1 *vtable,
    const pvpd_plugin_descriptor_v1 *descriptor, const pvpd_plugin_entry_v1_fn *entry);

void pvpd_abi_probe(const pvpd_str *str, const pvpd_conn_id *conn, const pvpd_sub_id *sub,
                    const pvpd_timer_id *timer, const pvpd_status *status, const pvpd_host_ctx *ctx,
                    const pvpd_buf *buf, const pvpd_task_fn *task, const pvpd_conn_info *conn_info,
                    const pvpd_msg_view *msg, const pvpd_sub_filter *filter,
                    const pvpd_msg_fn *msg_fn, const pvpd_report_fn *report_fn,
                    const pvpd_host_api_v1 *host_api, const pvpd_option_desc *option,
                    const pvpd_plugin_vtable_v1 *vtable,
                    const pvpd_plugin_descriptor_v1 *descriptor,
                    const pvpd_plugin_entry_v1_fn *entry) {
  (void)str;
  (void)conn;
  (void)sub;
  (void)timer;
  (void)status;
  (void)ctx;
  (void)buf;
  (void)task;
  (void)conn_info;
  (void)msg;
  (void)filter;
  (void)msg_fn;
  (void)report_fn;
  (void)host_api;
  (void)option;
  (void)vtable;
  (void)descriptor;
  (void)entry;
}
