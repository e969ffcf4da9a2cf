/*
 * pvpd plugin ABI, major version 1.
 *
 * This header is the whole contract between the pvpd daemon ("the host") and a plugin shared
 * object. It is plain C11 so that any compiler and any language with a C FFI can implement a
 * plugin; it also compiles as C++. The header-only C++17 wrapper <pvpd/plugin.hpp> sits on top.
 *
 * How a plugin is found and started
 *   1. pvpd dlopens `pvpd-<name>.so` (RTLD_NOW | RTLD_LOCAL) and looks up exactly one symbol,
 *      `pvpd_plugin_entry_v1`. That function returns a pointer to a static descriptor. It must be
 *      side-effect free (no threads, no I/O, no allocation): `pvpd --list-plugins` and
 *      `pvpd --check-config` call it without creating anything.
 *   2. The host checks abi_major, min_host_minor and the hooks the declared kinds require.
 *   3. For each configured instance: the host validates the instance config against the
 *      descriptor's option table, calls `validate` (if present), then `create`, then `start`.
 *   4. On shutdown or when an instance is removed by a reload: `stop`, then `destroy`.
 *      Shared objects stay mapped until the process exits.
 *
 * Conventions (after leveldb's c.h and libgit2's docs/conventions.md)
 *   - Every struct begins with `uint32_t struct_size`, set by whoever fills the struct to
 *     sizeof(the struct as that party compiled it). A reader only touches fields that lie wholly
 *     inside struct_size; fields beyond it read as zero/NULL. Structs and function tables only
 *     grow at the end within a major version (see plugin-api/docs/ABI.md).
 *   - Only fixed-width integers, pvpd_str, opaque handles and pointers to these structs cross.
 *     No C enums as field types, no bool, no long, no bit-fields, no C++ types.
 *   - Strings are UTF-8 `pvpd_str {ptr, len}`, not NUL-terminated unless stated. A pvpd_str with
 *     len 0 is empty; ptr may then be NULL.
 *   - Every function returning pvpd_status returns PVPD_OK (0) or a negative PVPD_E_* code.
 *   - OWNERSHIP: whoever allocates frees; never mix allocators. Strings and views passed into a
 *     call are BORROWED for the duration of that call only unless stated otherwise.
 *   - THREAD: each entry below says which threads may call it. "core thread" is the single
 *     thread that owns all routing and session state; callbacks the host makes into a plugin
 *     (other than validate) run on the core thread unless stated otherwise.
 *   - No function on either side may let an exception or longjmp cross the boundary.
 */
#ifndef PVPD_PLUGIN_ABI_H
#define PVPD_PLUGIN_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
 * Versioning
 *
 * MAJOR changes only with an incompatible change, and then the entry symbol name changes too
 * (pvpd_plugin_entry_v2), so an old host never finds a plugin it cannot run. MINOR grows with
 * every additive change (appended struct members or table slots, new flag bits, new codes).
 * ------------------------------------------------------------------------------------------- */
#define PVPD_ABI_MAJOR 1
#define PVPD_ABI_MINOR 2

/* Visibility for the one exported symbol. Plugins are built with -fvisibility=hidden. */
#if defined(_WIN32)
#define PVPD_PLUGIN_EXPORT __declspec(dllexport)
#else
#define PVPD_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

/* ---------------------------------------------------------------------------------------------
 * Status codes
 * ------------------------------------------------------------------------------------------- */
typedef int32_t pvpd_status;

#define PVPD_OK 0
#define PVPD_E_INVAL (-1)       /* an argument or the config is invalid */
#define PVPD_E_NOMEM (-2)       /* allocation failed */
#define PVPD_E_AGAIN (-3)       /* conn_inbound: accepted, now pause reads until flow(conn, 1) */
#define PVPD_E_UNSUPPORTED (-4) /* the slot or operation is not implemented */
#define PVPD_E_STATE (-5)       /* called in the wrong lifecycle state (e.g. after stop) */
#define PVPD_E_NOENT (-6)       /* unknown or stale handle, missing credential */
#define PVPD_E_INTERNAL (-7)    /* a bug or an escaped exception; details were logged */
#define PVPD_E_CANCELED (-8)    /* a posted task or timer will never run: its instance stopped */
#define PVPD_E_TOOBIG (-9)      /* message or buffer over a configured limit */
#define PVPD_E_PERM (-10)       /* not allowed (authorization, file permissions) */
#define PVPD_E_EXISTS (-11)     /* the name or id is already taken */
#define PVPD_E_IO (-12)         /* an operating-system call failed; details were logged */

/* ---------------------------------------------------------------------------------------------
 * Basic types
 * ------------------------------------------------------------------------------------------- */

/* A UTF-8 string view. BORROWED: valid for the duration of the call it is passed to. */
typedef struct pvpd_str {
  const char *ptr;
  size_t len;
} pvpd_str;

/* Handles are host-assigned integers carrying a generation tag: a stale handle yields
 * PVPD_E_NOENT, never a use-after-free. 0 is never a valid handle. */
typedef uint64_t pvpd_conn_id;
typedef uint64_t pvpd_sub_id;
typedef uint64_t pvpd_timer_id;

/* One per plugin instance. HOST-owned; valid from create until destroy returns. */
typedef struct pvpd_host_ctx pvpd_host_ctx;

/* An immutable byte buffer with an atomic reference count. HOST-owned. Every routed message is
 * serialized once into one pvpd_buf and shared by reference with every receiver. */
typedef struct pvpd_buf pvpd_buf;

/* A unit of work handed to the host (post, timers, run_blocking).
 * `status` is PVPD_OK when the task runs normally and PVPD_E_CANCELED when it will never run
 * because its instance is stopping; in that case the callee must only release `user`. Every
 * task the host accepted (call returned PVPD_OK) is invoked exactly once, either way. */
typedef void (*pvpd_task_fn)(void *user, pvpd_status status);

/* Log levels for pvpd_host_api_v1.log. */
#define PVPD_LOG_TRACE 0
#define PVPD_LOG_DEBUG 1
#define PVPD_LOG_INFO 2
#define PVPD_LOG_WARN 3
#define PVPD_LOG_ERROR 4
#define PVPD_LOG_CRITICAL 5

/* Plugin kinds (bits of pvpd_plugin_descriptor_v1.kinds). */
#define PVPD_KIND_TRANSPORT 0x1u /* owns client connections; must implement deliver, close_conn */
#define PVPD_KIND_AGENT 0x2u     /* joins sessions as a participant (usually via conn_open) */
#define PVPD_KIND_BRIDGE 0x4u    /* observes the bus and publishes (git bridge, exporters) */

/* ---------------------------------------------------------------------------------------------
 * Connections
 * ------------------------------------------------------------------------------------------- */

/* pvpd_conn_info.flags */
#define PVPD_CONN_TLS 0x1u      /* the transport terminated TLS for this connection */
#define PVPD_CONN_LOCAL 0x2u    /* loopback or unix-socket peer */
#define PVPD_CONN_INTERNAL 0x4u /* an in-process participant (agent plugin), not a remote peer */

/* Describes a new connection to the host. Filled by the transport; BORROWED for the call. */
typedef struct pvpd_conn_info {
  uint32_t struct_size;
  uint32_t flags;            /* PVPD_CONN_* */
  pvpd_str transport;        /* wire label for participants, e.g. "websocket", "t140", "mcp" */
  pvpd_str peer;             /* human-readable peer address, e.g. "127.0.0.1:51234" */
  pvpd_str credential;       /* bearer token presented at connect time (URL or header), or empty */
  pvpd_str tls_peer_subject; /* verified client certificate subject, or empty */
} pvpd_conn_info;

/* Reasons for conn_closed / close_conn. Transports may pass other non-negative values. */
#define PVPD_CLOSE_NORMAL 0
#define PVPD_CLOSE_PEER_GONE 1
#define PVPD_CLOSE_PROTOCOL_ERROR 2
#define PVPD_CLOSE_SLOW_CONSUMER 3
#define PVPD_CLOSE_SHUTDOWN 4
#define PVPD_CLOSE_POLICY 5 /* authentication or authorization refused the connection */
#define PVPD_CLOSE_IDLE 6

/* ---------------------------------------------------------------------------------------------
 * Messages
 * ------------------------------------------------------------------------------------------- */

/* pvpd_msg_view.flags */
#define PVPD_MSG_DROPPABLE                                                                  \
  0x1u                       /* a streaming delta (thinking/response chunk, tool output): a \
                                transport under pressure may drop or coalesce it */
#define PVPD_MSG_REPLAY 0x2u /* part of a history/resume replay, not a live message */
#define PVPD_MSG_URGENT                                                                        \
  0x4u /* (1.2) an interrupt: a transport should put it ahead of the streaming deltas it still \
          holds for the connection, and may drop those deltas */

/* A routed message: the canonical JSON envelope plus pre-parsed header fields, so transports
 * can route and filter without parsing JSON. BORROWED for the call, strings included. To keep
 * the bytes beyond the call, take a reference to `envelope` with buf_ref. */
typedef struct pvpd_msg_view {
  uint32_t struct_size;
  uint32_t flags; /* PVPD_MSG_* */
  uint64_t seq;   /* per-session total order, assigned by the core; 0 for session-less frames */
  pvpd_str type;
  pvpd_str session;
  pvpd_str sender;
  pvpd_str id;
  const pvpd_buf *envelope; /* the full JSON text, exactly as every receiver gets it */
} pvpd_msg_view;

/* What a subscription receives. BORROWED for the subscribe call; the host copies it. */
typedef struct pvpd_sub_filter {
  uint32_t struct_size;
  uint32_t flags;       /* reserved, must be 0 */
  pvpd_str session;     /* only this session; empty = every session */
  pvpd_str type_prefix; /* only types starting with this ("tool." or "gate.approve"); empty = all */
} pvpd_sub_filter;

/* Called on the core thread for every message matching a subscription, in seq order. */
typedef void (*pvpd_msg_fn)(void *user, const pvpd_msg_view *msg);

/* Called by validate() once per problem found. `json_pointer` locates the offending value in
 * the instance config (RFC 6901, e.g. "/tls/cert"); the host maps it back to file:line:col. */
typedef void (*pvpd_report_fn)(void *user, pvpd_str json_pointer, pvpd_str message);

/* ---------------------------------------------------------------------------------------------
 * Host services: the table passed to create. HOST-owned, valid until destroy returns.
 *
 * After the plugin's stop() has returned the plugin must not call the host again; calls that
 * still arrive get PVPD_E_STATE and do nothing.
 * ------------------------------------------------------------------------------------------- */
typedef struct pvpd_host_api_v1 {
  uint32_t struct_size;
  uint32_t abi_major;
  uint32_t abi_minor; /* the host's minor: slots beyond the plugin's knowledge may exist */
  uint32_t reserved0;

  /* THREAD: any. Logs one line; the host adds the plugin name and instance id. */
  void (*log)(pvpd_host_ctx *ctx, int32_t level, pvpd_str message);

  /* Buffers. THREAD: any. buf_copy returns a new buffer with refcount 1 that the caller owns
   * (release with buf_unref); NULL on allocation failure. buf_view's result stays valid while
   * the caller holds a reference. */
  pvpd_buf *(*buf_copy)(pvpd_host_ctx *ctx, const void *data, size_t len);
  void (*buf_ref)(const pvpd_buf *buf);
  void (*buf_unref)(const pvpd_buf *buf);
  pvpd_str (*buf_view)(const pvpd_buf *buf);

  /* Connections (transports, and agents as internal participants). THREAD: any.
   * conn_open registers a connection and writes its id to *out; messages for it arrive through
   * the vtable's deliver on the core thread. conn_inbound hands over one JSON envelope (copied;
   * the caller keeps ownership of `json`). It returns PVPD_OK, or PVPD_E_AGAIN when the message
   * was accepted but the core's ingress queue is full: stop reading from that connection until
   * the host calls flow(conn, 1). PVPD_E_TOOBIG: the frame exceeds daemon.core.max_message and
   * was dropped (the host reports it to the peer). conn_closed: the peer is gone; the id stays
   * valid until the host has processed the close, and deliver may still name it until then.
   * conn_pressure: level 1 = the outbound queue crossed its high-water mark, 0 = drained. */
  pvpd_status (*conn_open)(pvpd_host_ctx *ctx, const pvpd_conn_info *info, pvpd_conn_id *out);
  pvpd_status (*conn_inbound)(pvpd_host_ctx *ctx, pvpd_conn_id conn, pvpd_str json);
  pvpd_status (*conn_closed)(pvpd_host_ctx *ctx, pvpd_conn_id conn, int32_t reason);
  pvpd_status (*conn_pressure)(pvpd_host_ctx *ctx, pvpd_conn_id conn, uint32_t level);

  /* Injects a message as this instance (bridges). THREAD: any. The core validates it like any
   * inbound message; the sender is the instance's own identity, whatever `json` claims. */
  pvpd_status (*publish)(pvpd_host_ctx *ctx, pvpd_str json);

  /* Subscriptions. THREAD: core thread (call them from start, a post, a timer or a callback).
   * on_msg runs on the core thread until unsubscribe returns or the instance stops. */
  pvpd_status (*subscribe)(pvpd_host_ctx *ctx, const pvpd_sub_filter *filter, pvpd_msg_fn on_msg,
                           void *user, pvpd_sub_id *out);
  pvpd_status (*unsubscribe)(pvpd_host_ctx *ctx, pvpd_sub_id sub);

  /* Scheduling. THREAD: any.
   * post: run fn(user, PVPD_OK) on the core thread soon.
   * timer_start: run fn after delay_ms, then every period_ms if period_ms > 0. A one-shot timer's
   * fn is its last call; a periodic timer gets fn(user, PVPD_E_CANCELED) once after
   * timer_cancel (or stop), so `user` can be released. timer_cancel of a one-shot timer that has
   * not fired calls fn(user, PVPD_E_CANCELED). Both callbacks run on the core thread.
   * run_blocking: run work(user, PVPD_OK) on the host's blocking pool (never the core thread),
   * then done(user, status) on the core thread. */
  pvpd_status (*post)(pvpd_host_ctx *ctx, pvpd_task_fn fn, void *user);
  pvpd_status (*timer_start)(pvpd_host_ctx *ctx, uint64_t delay_ms, uint64_t period_ms,
                             pvpd_task_fn fn, void *user, pvpd_timer_id *out);
  pvpd_status (*timer_cancel)(pvpd_host_ctx *ctx, pvpd_timer_id timer);
  pvpd_status (*run_blocking)(pvpd_host_ctx *ctx, pvpd_task_fn work, pvpd_task_fn done, void *user);

  /* Environment. THREAD: any.
   * take_listen_fd: hands over a socket-activation fd named `name` (FileDescriptorName=);
   * the plugin owns and closes it. PVPD_E_NOENT when there is none.
   * state_dir: this instance's private writable directory (created by the host). The string is
   * NUL-terminated and valid until destroy returns.
   * read_credential: reads a secret by name ($CREDENTIALS_DIRECTORY/<name> under systemd, else
   * the configured credentials directory). *out is a new buffer owned by the caller; never log
   * its contents. */
  pvpd_status (*take_listen_fd)(pvpd_host_ctx *ctx, pvpd_str name, int32_t *fd_out);
  pvpd_str (*state_dir)(pvpd_host_ctx *ctx);
  pvpd_status (*read_credential)(pvpd_host_ctx *ctx, pvpd_str name, pvpd_buf **out);

  /* ---- 1.1 ---- */

  /* THREAD: any; never blocks on the core (served from a snapshot the core refreshes about
   * twice a second). *out = a new buffer (caller owns) holding one JSON object describing the
   * daemon: version, uptime, sessions, connections, counters. For /health endpoints. */
  pvpd_status (*daemon_status_json)(pvpd_host_ctx *ctx, pvpd_buf **out);
  /* THREAD: any; same snapshot. *out = a new buffer (caller owns): the daemon's metrics in
   * Prometheus text exposition format 0.0.4 (HELP/TYPE lines, names prefixed pvpd_). */
  pvpd_status (*metrics_text)(pvpd_host_ctx *ctx, pvpd_buf **out);

  /* ---- 1.2 ---- */

  /* THREAD: any. This instance's id (`plugins[].id`, or the plugin name when the config gives
   * none). NUL-terminated; valid until destroy returns. */
  pvpd_str (*instance_id)(pvpd_host_ctx *ctx);

  /* THREAD: any; never blocks on the core. *out = a new buffer (caller owns) holding
   * {"session":"<id>","seq":<last seq>,"hash":"<64 hex>"}: the session
   * journal's chain head as last committed (what a git trailer anchors a commit to).
   * PVPD_E_NOENT: unknown session, or the journal is disabled. */
  pvpd_status (*journal_head)(pvpd_host_ctx *ctx, pvpd_str session, pvpd_buf **out);

  /* THREAD: any; served from the core's snapshot (may lag the core by up to ~0.5 s).
   * *out = a new buffer (caller owns) holding {"id":"<session id>","name":"<name>"} for the
   * most recently created session that has not ended and whose name equals `name` exactly.
   * PVPD_E_NOENT: none. */
  pvpd_status (*session_find)(pvpd_host_ctx *ctx, pvpd_str name, pvpd_buf **out);

  /* Operator queries for HTTP endpoints. THREAD: any thread except the core thread (they read
   * journal files; call them from run_blocking or the plugin's own threads). `token` is the
   * bearer credential an HTTP client presented (as it would send in session.join); the host
   * authenticates it and answers PVPD_E_PERM unless it belongs to an admin (in open mode every
   * caller is an admin, as open mode is loopback-only).
   * admin_sessions_json: *out = {"sessions":[{"id","name","state","created_at","participants",
   *   "connected","messages","last_seq"}...]} for live and journaled sessions.
   * admin_transcript: the session's journaled messages with seq > from_seq as they were
   *   recorded (secret values already redacted), format PVPD_TRANSCRIPT_JSONL (one envelope per
   *   line) or PVPD_TRANSCRIPT_MARKDOWN (the decision report `pvpctl export --format markdown`
   *   writes). PVPD_E_NOENT: no such session. */
  pvpd_status (*admin_sessions_json)(pvpd_host_ctx *ctx, pvpd_str token, pvpd_buf **out);
  pvpd_status (*admin_transcript)(pvpd_host_ctx *ctx, pvpd_str token, pvpd_str session,
                                  uint64_t from_seq, uint32_t format, pvpd_buf **out);

  /* THREAD: core thread. Sets the working directory the core announces to joiners (the
   * `session:working_directory` context) for `session`, e.g. the git bridge's workspace.
   * PVPD_E_NOENT: unknown session; PVPD_E_INVAL: `path` is not absolute. */
  pvpd_status (*session_set_workdir)(pvpd_host_ctx *ctx, pvpd_str session, pvpd_str path);

  /* ---- 1.3 and later: append new slots here only ---- */
} pvpd_host_api_v1;

/* admin_transcript formats */
#define PVPD_TRANSCRIPT_JSONL 0u
#define PVPD_TRANSCRIPT_MARKDOWN 1u

/* ---------------------------------------------------------------------------------------------
 * Option table: declares the instance config a plugin accepts. The host validates YAML against
 * it (types, units, required keys, choices, unknown keys with suggestions), fills defaults,
 * redacts secrets in --dump-config, and documents it in --describe-plugin.
 *
 * `key` is a dotted path: "listen", "tls.cert", "send_queue.limit". A list of maps is written
 * with "[]": "listeners[].port" declares key `port` inside each element of list `listeners`.
 * Parent maps need no entry of their own.
 *
 * The plugin receives its config as normalized JSON: defaults filled, ${VAR} expanded,
 * durations as integer milliseconds, sizes as integer bytes.
 * ------------------------------------------------------------------------------------------- */
#define PVPD_OPT_STRING 1u
#define PVPD_OPT_INT 2u /* signed 64-bit integer */
#define PVPD_OPT_BOOL 3u
#define PVPD_OPT_DURATION 4u /* "500ms", "10s", "5m", "1h" or an integer of milliseconds */
#define PVPD_OPT_SIZE 5u     /* "64KiB", "1MiB", "2GB" or an integer of bytes */
#define PVPD_OPT_FLOAT 6u
#define PVPD_OPT_STRING_LIST 7u /* a YAML sequence of strings, or one string */
#define PVPD_OPT_ANY 8u         /* any YAML value, passed through as JSON, not checked */

#define PVPD_OPT_REQUIRED 0x1u   /* must be present (no default) */
#define PVPD_OPT_RELOADABLE 0x2u /* a change can be applied by reload() without a restart */
#define PVPD_OPT_SECRET 0x4u     /* redacted in --dump-config and logs */
#define PVPD_OPT_RANGE 0x8u      /* min_value/max_value apply (INT, DURATION, SIZE) */

typedef struct pvpd_option_desc {
  uint32_t struct_size;
  uint32_t type;  /* PVPD_OPT_* type */
  uint32_t flags; /* PVPD_OPT_* flags */
  uint32_t reserved0;
  const char *key;          /* NUL-terminated, static */
  const char *default_json; /* JSON text of the default, or NULL for none */
  const char *help;         /* one sentence for --describe-plugin */
  const char *choices;      /* "a|b|c": the only allowed string values, or NULL */
  int64_t min_value;        /* with PVPD_OPT_RANGE; DURATION in ms, SIZE in bytes */
  int64_t max_value;
} pvpd_option_desc;

/* ---------------------------------------------------------------------------------------------
 * Plugin vtable. PLUGIN-owned and static. `self` is the plugin's instance pointer from create.
 * THREAD: every hook runs on the core thread, except validate (any thread, no side effects).
 * A hook must return quickly; the host logs any hook over daemon.core.stall_warn_ms.
 * ------------------------------------------------------------------------------------------- */
typedef struct pvpd_plugin_vtable_v1 {
  uint32_t struct_size;
  uint32_t reserved0;

  /* Required. Builds an instance from its normalized config JSON. Must not start threads or
   * open sockets (start does). On error, log why via host->log and return a negative status;
   * *self is then ignored. */
  pvpd_status (*create)(pvpd_host_ctx *ctx, const pvpd_host_api_v1 *host, pvpd_str config_json,
                        void **self);
  /* Required. Bind listeners, start threads. READY=1 is sent after every start returned OK. */
  pvpd_status (*start)(void *self);
  /* Optional (NULL or PVPD_E_UNSUPPORTED => the host stops, destroys and re-creates the
   * instance). Applies a changed config in place. */
  pvpd_status (*reload)(void *self, pvpd_str config_json);
  /* Required. Stops accepting, closes connections, joins the plugin's own threads. After it
   * returns the plugin makes no host call. */
  void (*stop)(void *self);
  /* Required. Frees the instance. */
  void (*destroy)(void *self);

  /* Required for every instance that calls conn_open. Queue `msg` to each of `conns` (n > 0).
   * Take buf_ref(msg->envelope) to keep the bytes. Unknown or closed ids are skipped. Returns
   * PVPD_OK, or an error that applies to the whole batch. */
  pvpd_status (*deliver)(void *self, const pvpd_conn_id *conns, size_t n, const pvpd_msg_view *msg);
  /* Required with deliver. The host asks to close a connection (policy, slow consumer,
   * shutdown). The transport flushes what it can, closes, and calls conn_closed. */
  void (*close_conn)(void *self, pvpd_conn_id conn, int32_t reason);
  /* Optional. allow_reads = 1 resumes reading a connection paused by PVPD_E_AGAIN. */
  void (*flow)(void *self, pvpd_conn_id conn, uint32_t allow_reads);

  /* Optional. Semantic checks of a config (files readable, ports valid) with no side effects;
   * may run without an instance and on any thread. Returns PVPD_OK if nothing was reported. */
  pvpd_status (*validate)(pvpd_str config_json, pvpd_report_fn report, void *user);
  /* Optional. *out = a new buffer (caller owns) holding a JSON object for /health and
   * pvpctl status. */
  pvpd_status (*status_json)(void *self, pvpd_buf **out);

  /* ---- 1.1 and later: append new slots here only ---- */
} pvpd_plugin_vtable_v1;

/* ---------------------------------------------------------------------------------------------
 * The descriptor returned by the entry point. PLUGIN-owned, static, immutable.
 * ------------------------------------------------------------------------------------------- */
#define PVPD_PLUGIN_MULTI_INSTANCE 0x1u /* more than one instance may be configured */

typedef struct pvpd_plugin_descriptor_v1 {
  uint32_t struct_size;
  uint32_t abi_major;       /* PVPD_ABI_MAJOR the plugin was built with */
  uint32_t abi_minor_built; /* PVPD_ABI_MINOR the plugin was built with */
  uint32_t min_host_minor;  /* the oldest host minor whose table has every slot it needs */
  const char *name;         /* "websocket": matches the file name pvpd-<name>.so */
  const char *version;      /* the plugin's own version, e.g. "0.1.0" */
  const char *description;  /* one line */
  const char *license;      /* SPDX identifier */
  uint32_t kinds;           /* PVPD_KIND_* bits */
  uint32_t flags;           /* PVPD_PLUGIN_* bits */
  const pvpd_option_desc *options;
  uint32_t option_count;
  uint32_t reserved0;
  const pvpd_plugin_vtable_v1 *vtable;
} pvpd_plugin_descriptor_v1;

/* The only symbol a plugin exports. Side-effect free; returns the same pointer every call. */
typedef const pvpd_plugin_descriptor_v1 *(*pvpd_plugin_entry_v1_fn)(void);
#define PVPD_PLUGIN_ENTRY_V1_SYMBOL "pvpd_plugin_entry_v1"

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* PVPD_PLUGIN_ABI_H */
