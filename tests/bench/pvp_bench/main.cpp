// pvp-bench: a PVP load generator (issue 11, docs/benchmarks.md). One process, one
// libwebsockets context, one event-loop thread; see bench.h for the options and ws_pool.h for
// the loop. Prints a readable summary, then one JSON line (the last line of stdout).
#include <sys/resource.h>

#include <cstdio>

#include "bench.h"

int main(int argc, char **argv) {
  using namespace pvpbench;
  Options o;
  if (argc >= 2 && (std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h")) {
    std::fputs(usage().c_str(), stdout);
    return 0;
  }
  if (auto err = parse_options(argc, argv, &o)) {
    std::fprintf(stderr, "pvp-bench: %s\n%s", err->c_str(), usage().c_str());
    return 2;
  }
  // Thousands of sockets: lift the soft descriptor limit to the hard one.
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  Result r;
  r.scenario = o.scenario;
  r.target = o.target == Target::kBare ? "bare" : "pvpd";
  int rc = 0;
  if (o.scenario == "fanout" || o.scenario == "sessions") {
    rc = run_stream(o, &r);
  } else if (o.scenario == "connect" || o.scenario == "idle") {
    rc = run_connect(o, &r);
  } else if (o.scenario == "gates") {
    rc = run_gates(o, &r);
  } else if (o.scenario == "t140") {
    rc = run_t140(o, &r);
  } else {
    std::fprintf(stderr, "pvp-bench: unknown scenario '%s'\n%s", o.scenario.c_str(),
                 usage().c_str());
    return 2;
  }
  print_result(r, o.quiet);
  std::printf("%s\n", result_json(r).c_str());
  std::fflush(stdout);
  return rc;
}
