// Options, frames, frame inspection, /proc sampling and reporting for pvp-bench (bench.h).
#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "bench.h"

namespace pvpbench {

namespace {
const Clock::time_point kStart = Clock::now();

bool to_double(const char *s, double *out) {
  char *end = nullptr;
  *out = std::strtod(s, &end);
  return end != s && *end == '\0' && std::isfinite(*out);
}

std::string fmt(double v) {
  char buf[64];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.6g", v);
  }
  return buf;
}

std::string quote(const std::string &s) {
  std::string out = "\"";
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}
}  // namespace

uint64_t now_ns() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - kStart).count());
}

std::string usage() {
  return "usage: pvp-bench SCENARIO --port P [options]\n"
         "scenarios: fanout sessions connect idle gates t140\n"
         "  --target pvpd|bare     server kind (bare = pvp-bare-broadcaster; no PVP join)\n"
         "  --host H --port P      server address (default host 127.0.0.1)\n"
         "  --server-pid PID       sample the server's CPU time and RSS from /proc\n"
         "  --receivers N --size S --messages M --rate R --window W     (fanout)\n"
         "  --sessions K --participants P --rate R --duration D --size S (sessions)\n"
         "  --connections C --group G --concurrency X --hold SECONDS   (connect, idle)\n"
         "  --messages M --window W                                    (gates)\n"
         "  --t140-port U --streams N --receivers R(1) --size S --rate R --duration D\n"
         "    --messages M --window W --red G --session ID              (t140; rate 0 = window)\n"
         "  --timeout SECONDS      setup/drain budget (default 60)\n"
         "  --run-id ID            prefix for session ids (default: pid and time)\n"
         "  --quiet                only the final JSON line\n"
         "Prints a summary and a final JSON line; exit 0 = no loss, duplicate, reorder, error or\n"
         "failure; 1 = any of those; 2 = usage; 3 = setup failed.\n";
}

std::optional<std::string> parse_options(int argc, char **argv, Options *o) {
  if (argc < 2) {
    return std::string("missing scenario");
  }
  o->scenario = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--quiet") {
      o->quiet = true;
      continue;
    }
    if (i + 1 >= argc) {
      return "missing value for " + a;
    }
    const char *v = argv[++i];
    double d = 0;
    auto num = [&](auto *field) -> std::optional<std::string> {
      if (!to_double(v, &d) || d < 0) {
        return "bad number for " + a + ": " + v;
      }
      *field = static_cast<std::remove_pointer_t<decltype(field)>>(d);
      return std::nullopt;
    };
    std::optional<std::string> err;
    if (a == "--target") {
      if (std::strcmp(v, "pvpd") == 0) {
        o->target = Target::kPvpd;
      } else if (std::strcmp(v, "bare") == 0) {
        o->target = Target::kBare;
      } else {
        return std::string("--target is pvpd or bare");
      }
    } else if (a == "--host") {
      o->host = v;
    } else if (a == "--run-id") {
      o->run_id = v;
    } else if (a == "--port") {
      err = num(&o->port);
    } else if (a == "--server-pid") {
      err = num(&o->server_pid);
    } else if (a == "--receivers") {
      err = num(&o->receivers);
      o->receivers_given = true;
    } else if (a == "--size") {
      err = num(&o->size);
    } else if (a == "--messages") {
      err = num(&o->messages);
      o->messages_given = true;
    } else if (a == "--rate") {
      err = num(&o->rate);
    } else if (a == "--window") {
      err = num(&o->window);
    } else if (a == "--sessions") {
      err = num(&o->sessions);
    } else if (a == "--participants") {
      err = num(&o->participants);
    } else if (a == "--duration") {
      err = num(&o->duration);
    } else if (a == "--connections") {
      err = num(&o->connections);
    } else if (a == "--group") {
      err = num(&o->group);
    } else if (a == "--concurrency") {
      err = num(&o->concurrency);
    } else if (a == "--hold") {
      err = num(&o->hold);
    } else if (a == "--timeout") {
      err = num(&o->timeout);
    } else if (a == "--streams") {
      err = num(&o->streams);
    } else if (a == "--t140-port") {
      err = num(&o->t140_port);
    } else if (a == "--red") {
      err = num(&o->red);
    } else if (a == "--session") {
      o->t140_session = v;
    } else {
      return "unknown option " + a;
    }
    if (err) {
      return err;
    }
  }
  if (o->port <= 0 || o->port > 65535) {
    return std::string("--port is required");
  }
  if (o->receivers < 1 || o->size < 1 || o->window < 1 || o->sessions < 1 || o->participants < 2 ||
      o->connections < 1 || o->group < 1 || o->concurrency < 1 || o->messages < 1 ||
      o->streams < 1) {
    return std::string("counts must be >= 1 (participants >= 2)");
  }
  if (o->size > 512 * 1024) {
    return std::string("--size is at most 512 KiB");
  }
  if (o->scenario == "t140" && o->target == Target::kPvpd &&
      (o->t140_port <= 0 || o->t140_port > 65535)) {
    return std::string("t140 needs --t140-port (the plugin listener's UDP port)");
  }
  if (o->scenario == "t140" && !o->receivers_given) {
    o->receivers = 1;  // one observer: the transcripts' path, not the fan-out, is measured
  }
  if (o->red > 8) {
    return std::string("--red is at most 8 generations (the plugin's cap)");
  }
  if (o->scenario == "t140" && o->size > (o->red > 0 ? 1023 : 60000)) {
    return std::string("t140 --size is at most 60000 (1023 with --red: RED's 10-bit length)");
  }
  if (o->run_id.empty()) {
    o->run_id = "b" + std::to_string(getpid()) + "-" + std::to_string(time(nullptr) % 100000);
  }
  return std::nullopt;
}

ServerSample sample_server(pid_t pid) {
  ServerSample s;
  // The generator's own CPU over the same interval: near 1 s per second means the generator,
  // not the server, set the pace.
  rusage self{};
  if (::getrusage(RUSAGE_SELF, &self) == 0) {
    s.self_cpu_s = static_cast<double>(self.ru_utime.tv_sec + self.ru_stime.tv_sec) +
                   static_cast<double>(self.ru_utime.tv_usec + self.ru_stime.tv_usec) / 1e6;
  }
  if (pid <= 0) {
    return s;
  }
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  auto close = text.rfind(')');
  if (close == std::string::npos) {
    return s;
  }
  std::istringstream in(text.substr(close + 2));
  std::string field;
  unsigned long long utime = 0;
  unsigned long long stime = 0;
  for (int i = 3; i <= 15 && in >> field; ++i) {
    if (i == 14) {
      utime = std::strtoull(field.c_str(), nullptr, 10);
    } else if (i == 15) {
      stime = std::strtoull(field.c_str(), nullptr, 10);
    }
  }
  const double hz = static_cast<double>(sysconf(_SC_CLK_TCK));
  s.cpu_s = static_cast<double>(utime + stime) / hz;
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      s.rss_kib = std::atoll(line.c_str() + 6);
    } else if (line.rfind("VmHWM:", 0) == 0) {
      s.hwm_kib = std::atoll(line.c_str() + 6);
    }
  }
  s.valid = true;
  return s;
}

static double us(uint64_t ns) {
  return static_cast<double>(ns) / 1000.0;
}

void print_result(const Result &r, bool quiet) {
  if (quiet) {
    return;
  }
  std::printf("pvp-bench %s against %s\n", r.scenario.c_str(), r.target.c_str());
  for (const auto &[k, v] : r.params) {
    std::printf("  %-22s %s\n", k.c_str(), fmt(v).c_str());
  }
  if (r.skipped) {
    std::printf("  skipped: %s\n", r.note.c_str());
    return;
  }
  std::printf("  elapsed                %.3f s\n", r.elapsed_s);
  for (const auto &[k, v] : r.metrics) {
    std::printf("  %-22s %s\n", k.c_str(), fmt(v).c_str());
  }
  std::printf(
      "  sent %" PRIu64 ", delivered %" PRIu64 " of %" PRIu64 ", lost %" PRIu64
      ", duplicated %" PRIu64 ", reordered %" PRIu64 ", errors %" PRIu64 ", failures %" PRIu64 "\n",
      r.sent, r.delivered, r.expected, r.lost, r.duplicated, r.reordered, r.errors, r.failures);
  if (r.latency.count() > 0) {
    std::printf("  latency us: p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f\n",
                us(r.latency.quantile(0.5)), us(r.latency.quantile(0.9)),
                us(r.latency.quantile(0.99)), us(r.latency.quantile(0.999)), us(r.latency.max()));
  }
  if (r.after.valid) {
    std::printf("  server: cpu %.3f s, rss %lld KiB, peak rss %lld KiB\n",
                r.after.cpu_s - r.before.cpu_s, r.after.rss_kib, r.after.hwm_kib);
  }
  if (!r.first_error.empty()) {
    std::printf("  first error: %.300s\n", r.first_error.c_str());
  }
  if (!r.note.empty()) {
    std::printf("  note: %s\n", r.note.c_str());
  }
  std::printf("  result: %s\n", r.ok() ? "ok" : "FAILED");
}

std::string result_json(const Result &r) {
  std::string j = "{\"scenario\":" + quote(r.scenario) + ",\"target\":" + quote(r.target);
  for (const auto &[k, v] : r.params) {
    j += "," + quote(k) + ":" + fmt(v);
  }
  j += std::string(",\"ok\":") + (r.ok() ? "true" : "false");
  j += std::string(",\"skipped\":") + (r.skipped ? "true" : "false");
  j += ",\"elapsed_s\":" + fmt(r.elapsed_s);
  for (const auto &[k, v] : r.metrics) {
    j += "," + quote(k) + ":" + fmt(v);
  }
  j += ",\"sent\":" + fmt(static_cast<double>(r.sent)) +
       ",\"expected\":" + fmt(static_cast<double>(r.expected)) +
       ",\"delivered\":" + fmt(static_cast<double>(r.delivered)) +
       ",\"lost\":" + fmt(static_cast<double>(r.lost)) +
       ",\"duplicated\":" + fmt(static_cast<double>(r.duplicated)) +
       ",\"reordered\":" + fmt(static_cast<double>(r.reordered)) +
       ",\"errors\":" + fmt(static_cast<double>(r.errors)) +
       ",\"failures\":" + fmt(static_cast<double>(r.failures));
  if (r.latency.count() > 0) {
    j += ",\"latency_us\":{\"p50\":" + fmt(us(r.latency.quantile(0.5))) +
         ",\"p90\":" + fmt(us(r.latency.quantile(0.9))) +
         ",\"p99\":" + fmt(us(r.latency.quantile(0.99))) +
         ",\"p999\":" + fmt(us(r.latency.quantile(0.999))) +
         ",\"max\":" + fmt(us(r.latency.max())) + "}";
  }
  if (r.after.self_cpu_s > 0) {
    j += ",\"client_cpu_s\":" + fmt(r.after.self_cpu_s - r.before.self_cpu_s);
  }
  if (r.after.valid) {
    j += ",\"server_cpu_s\":" + fmt(r.after.cpu_s - r.before.cpu_s) +
         ",\"server_rss_kib\":" + fmt(static_cast<double>(r.after.rss_kib)) +
         ",\"server_peak_rss_kib\":" + fmt(static_cast<double>(r.after.hwm_kib));
  }
  if (!r.first_error.empty()) {
    j += ",\"first_error\":" + quote(r.first_error.substr(0, 300));
  }
  if (!r.note.empty()) {
    j += ",\"note\":" + quote(r.note);
  }
  return j + "}";
}

std::string create_frame(const std::string &session, int max_participants) {
  // session.create needs a complete SessionConfig (docs/protocol-schema.md); these are the
  // documented defaults except max_participants, and heartbeats are slowed down so that a long
  // run is not interrupted by idle/away presence changes.
  return R"({"v":1,"type":"session.create","session":")" + session +
         R"(","payload":{"name":"pvp-bench","config":{"require_approval_for":[],)"
         R"("default_gate_quorum":{"type":"any","count":1},"allow_forks":true,"max_participants":)" +
         std::to_string(max_participants) +
         R"(,"ordering_mode":"causal","on_participant_timeout":"wait",)"
         R"("heartbeat_interval_seconds":3600,"idle_timeout_seconds":86400,)"
         R"("away_timeout_seconds":86400}}})";
}

std::string join_frame(const std::string &session, const std::string &id, const std::string &type,
                       const std::string &role) {
  return R"({"v":1,"type":"session.join","session":")" + session + R"(","sender":")" + id +
         R"(","payload":{"participant":{"id":")" + id + R"(","name":")" + id + R"(","type":")" +
         type + R"(","roles":[")" + role +
         R"("],"transport":"websocket"},"supported_versions":[1]}})";
}

std::string chunk_frame(const std::string &session, const std::string &sender, uint64_t msg,
                        uint64_t ns, int size, bool bare) {
  std::string f;
  f.reserve(static_cast<std::size_t>(size) + 192);
  // An id and a ts as reference clients send them (pvpd keeps the id and restamps the ts). The
  // bare broadcaster forwards frames unchanged, so its frames also get the `seq` pvpd adds:
  // both servers then hand every receiver the same number of bytes, which matters because the
  // generator's libwebsockets client parses received frames byte by byte.
  char id[32];
  std::snprintf(id, sizeof id, "01BENCH%019" PRIu64, msg);
  f += R"({"v":1,"id":")";
  f += id;
  f += R"(","ts":"2026-01-01T00:00:00.000Z","type":"response.chunk","session":")";
  f += session;
  f += R"(","sender":")";
  f += sender;
  f += R"(","payload":{"text":"#)";
  const std::size_t text_start = f.size() - 1;
  char buf[48];
  int n = std::snprintf(buf, sizeof buf, "%" PRIu64 ":%" PRIu64 ":", msg, ns);
  f.append(buf, static_cast<std::size_t>(n));
  const std::size_t used = f.size() - text_start;
  if (used < static_cast<std::size_t>(size)) {
    f.append(static_cast<std::size_t>(size) - used, 'x');
  }
  f += "\"}";
  if (bare) {
    std::snprintf(id, sizeof id, ",\"seq\":%" PRIu64, msg + 1);
    f += id;
  }
  f += "}";
  return f;
}

bool has(std::string_view msg, std::string_view needle) {
  return msg.find(needle) != std::string_view::npos;
}

bool is_error(std::string_view msg) {
  return has(msg, R"("type":"error")");
}

bool is_own_announce(std::string_view msg, const std::string &id) {
  if (!has(msg, R"("type":"participant.announce")")) {
    return false;
  }
  std::string needle = "\"sender\":\"" + id + "\"";
  return has(msg, needle);
}

bool parse_chunk(std::string_view msg, uint64_t *id, uint64_t *ns) {
  static constexpr std::string_view kText = R"("text":"#)";
  auto p = msg.find(kText);
  if (p == std::string_view::npos) {
    return false;
  }
  const char *b = msg.data() + p + kText.size();
  const char *e = msg.data() + msg.size();
  auto r1 = std::from_chars(b, e, *id);
  if (r1.ec != std::errc() || r1.ptr == e || *r1.ptr != ':') {
    return false;
  }
  auto r2 = std::from_chars(r1.ptr + 1, e, *ns);
  return r2.ec == std::errc() && r2.ptr != e && *r2.ptr == ':';
}

std::string_view string_field(std::string_view msg, std::string_view key) {
  std::string needle = "\"" + std::string(key) + "\":\"";
  auto p = msg.find(needle);
  if (p == std::string_view::npos) {
    return {};
  }
  auto start = p + needle.size();
  auto end = msg.find('"', start);
  return end == std::string_view::npos ? std::string_view{} : msg.substr(start, end - start);
}

}  // namespace pvpbench
