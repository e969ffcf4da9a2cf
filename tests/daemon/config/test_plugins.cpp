#include "test_plugins.h"

#include <rapidjson/document.h>

#include <cstddef>
#include <cstring>
#include <map>

namespace pvpd::config::testing {

namespace {

constexpr pvpd_option_desc opt(const char *key, uint32_t type, uint32_t flags = 0,
                               const char *def = nullptr, const char *choices = nullptr,
                               int64_t min = 0, int64_t max = 0) {
  return pvpd_option_desc{
      sizeof(pvpd_option_desc), type, flags, 0, key, def, "test option", choices, min, max};
}

const pvpd_option_desc kTestplugOptions[] = {
    opt("listen", PVPD_OPT_STRING, PVPD_OPT_REQUIRED),
    opt("mode", PVPD_OPT_STRING, 0, "\"safe\"", "fast|safe|slow"),
    opt("port", PVPD_OPT_INT, PVPD_OPT_RANGE, "8080", nullptr, 1, 65535),
    opt("verbose", PVPD_OPT_BOOL, PVPD_OPT_RELOADABLE, "false"),
    opt("timeout", PVPD_OPT_DURATION, PVPD_OPT_RANGE, "\"5s\"", nullptr, 1, 60000),
    opt("max_message", PVPD_OPT_SIZE, PVPD_OPT_RANGE, "1048576", nullptr, 1, 16 * 1024 * 1024),
    opt("ratio", PVPD_OPT_FLOAT, 0, "0.5"),
    opt("tags", PVPD_OPT_STRING_LIST, 0, "[]"),
    opt("extra", PVPD_OPT_ANY),
    opt("token", PVPD_OPT_STRING, PVPD_OPT_SECRET),
    opt("tls.enabled", PVPD_OPT_BOOL, 0, "false"),
    opt("tls.cert", PVPD_OPT_STRING),
    opt("tls.key", PVPD_OPT_STRING, PVPD_OPT_SECRET),
    opt("send_queue.high_water", PVPD_OPT_INT, 0, "256"),
    opt("send_queue.limit", PVPD_OPT_INT, 0, "1024"),
    opt("listeners[].port", PVPD_OPT_INT, PVPD_OPT_REQUIRED | PVPD_OPT_RANGE, nullptr, nullptr, 1,
        65535),
    opt("listeners[].host", PVPD_OPT_STRING, 0, "\"0.0.0.0\""),
    opt("listeners[].password", PVPD_OPT_STRING, PVPD_OPT_SECRET),
};

void report(pvpd_report_fn fn, void *user, const std::string &pointer, const std::string &msg) {
  fn(user, pvpd_str{pointer.data(), pointer.size()}, pvpd_str{msg.data(), msg.size()});
}

// Semantic checks a real plugin might make; pointers exercise exact and prefix mapping.
pvpd_status testplug_validate(pvpd_str config_json, pvpd_report_fn fn, void *user) {
  rapidjson::Document d;
  d.Parse(config_json.ptr, config_json.len);
  if (d.HasParseError() || !d.IsObject()) {
    report(fn, user, "", "config is not a JSON object");
    return PVPD_E_INVAL;
  }
  bool bad = false;
  const auto &tls = d["tls"];
  if (tls.IsObject() && tls["enabled"].GetBool() && !tls.HasMember("cert")) {
    report(fn, user, "/tls/cert", "required when tls.enabled is true");
    bad = true;
  }
  const auto &sq = d["send_queue"];
  if (sq["limit"].GetInt64() < sq["high_water"].GetInt64()) {
    report(fn, user, "/send_queue/limit",
           "must be >= high_water (" + std::to_string(sq["high_water"].GetInt64()) + "), got " +
               std::to_string(sq["limit"].GetInt64()));
    bad = true;
  }
  std::string listen = d["listen"].GetString();
  if (listen.rfind("busy:", 0) == 0) {
    report(fn, user, "/listen", "address already in use");
    bad = true;
  }
  if (d.HasMember("listeners")) {
    const auto &ls = d["listeners"];
    for (rapidjson::SizeType i = 0; i < ls.Size(); ++i) {
      if (ls[i]["port"].GetInt64() == 1) {
        report(fn, user, "/listeners/" + std::to_string(i) + "/port", "port 1 is reserved");
        bad = true;
      }
    }
  }
  if (d.HasMember("extra") && d["extra"].IsObject() && d["extra"].HasMember("fail")) {
    report(fn, user, "/extra/fail/deep/er", "extra.fail is set");
    bad = true;
  }
  return bad ? PVPD_E_INVAL : PVPD_OK;
}

pvpd_status dummy_create(pvpd_host_ctx *, const pvpd_host_api_v1 *, pvpd_str, void **) {
  return PVPD_E_UNSUPPORTED;
}

pvpd_plugin_vtable_v1 make_vtable(pvpd_status (*validate)(pvpd_str, pvpd_report_fn, void *)) {
  pvpd_plugin_vtable_v1 v{};
  v.struct_size = sizeof v;
  v.create = &dummy_create;
  v.validate = validate;
  return v;
}

const pvpd_plugin_vtable_v1 kTestplugVtable = make_vtable(&testplug_validate);

pvpd_plugin_descriptor_v1 make_desc(const char *name, uint32_t flags,
                                    const pvpd_option_desc *options, uint32_t count,
                                    const pvpd_plugin_vtable_v1 *vtable) {
  pvpd_plugin_descriptor_v1 d{};
  d.struct_size = sizeof d;
  d.abi_major = PVPD_ABI_MAJOR;
  d.abi_minor_built = PVPD_ABI_MINOR;
  d.name = name;
  d.version = "0.0.1";
  d.description = "test plugin";
  d.license = "MIT";
  d.kinds = PVPD_KIND_TRANSPORT;
  d.flags = flags;
  d.options = options;
  d.option_count = count;
  d.vtable = vtable;
  return d;
}

const pvpd_plugin_descriptor_v1 kTestplug =
    make_desc("testplug", PVPD_PLUGIN_MULTI_INSTANCE, kTestplugOptions,
              sizeof kTestplugOptions / sizeof kTestplugOptions[0], &kTestplugVtable);

const pvpd_option_desc kSingleOptions[] = {opt("name", PVPD_OPT_STRING, 0, "\"x\"")};
const pvpd_plugin_descriptor_v1 kSingle = make_desc("single", 0, kSingleOptions, 1, nullptr);

pvpd_plugin_descriptor_v1 make_tiny() {
  pvpd_plugin_descriptor_v1 d =
      make_desc("tiny", PVPD_PLUGIN_MULTI_INSTANCE, kSingleOptions, 1, &kTestplugVtable);
  d.struct_size = offsetof(pvpd_plugin_descriptor_v1, options);
  return d;
}
const pvpd_plugin_descriptor_v1 kTiny = make_tiny();

bool g_oldvt_called = false;
pvpd_status oldvt_validate(pvpd_str, pvpd_report_fn, void *) {
  g_oldvt_called = true;
  return PVPD_E_INVAL;
}
pvpd_plugin_vtable_v1 make_old_vtable() {
  pvpd_plugin_vtable_v1 v = make_vtable(&oldvt_validate);
  v.struct_size = offsetof(pvpd_plugin_vtable_v1, validate);
  return v;
}
const pvpd_plugin_vtable_v1 kOldVtable = make_old_vtable();
const pvpd_plugin_descriptor_v1 kOldvt =
    make_desc("oldvt", PVPD_PLUGIN_MULTI_INSTANCE, kSingleOptions, 1, &kOldVtable);

pvpd_status failing_validate(pvpd_str, pvpd_report_fn, void *) {
  return PVPD_E_INVAL;
}
const pvpd_plugin_vtable_v1 kFailingVtable = make_vtable(&failing_validate);
const pvpd_plugin_descriptor_v1 kFailing =
    make_desc("failing", PVPD_PLUGIN_MULTI_INSTANCE, kSingleOptions, 1, &kFailingVtable);

}  // namespace

const pvpd_plugin_descriptor_v1 *TestPlugins::find(const std::string &use,
                                                   const std::string & /*explicit_path*/,
                                                   const std::vector<std::string> &plugin_dirs,
                                                   std::string *error) {
  ++find_calls;
  static const std::map<std::string, const pvpd_plugin_descriptor_v1 *> kAll{
      {"testplug", &kTestplug}, {"single", &kSingle},   {"tiny", &kTiny},
      {"oldvt", &kOldvt},       {"failing", &kFailing},
  };
  if (auto it = kAll.find(use); it != kAll.end()) {
    return it->second;
  }
  std::string dirs;
  for (const auto &d : plugin_dirs) {
    dirs += (dirs.empty() ? "" : ", ") + d;
  }
  *error = "plugin '" + use + "' not found in " + dirs;
  return nullptr;
}

EnvLookup fixture_env() {
  return [](const std::string &name) -> std::optional<std::string> {
    static const std::map<std::string, std::string> kEnv{
        {"PVPD_TEST_HOST", "example.org"}, {"PVPD_TEST_PORT", "9000"}, {"PVPD_TEST_EMPTY", ""}};
    auto it = kEnv.find(name);
    if (it == kEnv.end()) {
      return std::nullopt;
    }
    return it->second;
  };
}

bool oldvt_validate_called() {
  return g_oldvt_called;
}

}  // namespace pvpd::config::testing
