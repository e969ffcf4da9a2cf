// The shell tool with real processes: argv passed literally, command splitting, the scrubbed
// environment and secret injection, timeouts, cancellation from another thread, process-group
// kill (a background grandchild does not survive), the output cap, streaming and redaction.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "tool_test_util.h"
#include "tools/tool_runtime.h"

namespace pvpd::tools {
namespace {

using test::exists;
using test::js;
using test::run_tool;

using Clock = std::chrono::steady_clock;

int64_t ms_since(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

class Shell : public ::testing::Test {
 protected:
  Shell() : rt_(options()) {}
  RuntimeOptions options() const {
    RuntimeOptions o;
    o.workspace = dirs_.ws();
    o.timeout_ms = 20000;
    o.secrets = {{"MY_TOKEN", "tok-abc-123456"}, {"OTHER_SECRET", "zz-other-999"}};
    return o;
  }
  // Waits up to 3 s for `pid` to be gone.
  static bool gone(int pid) {
    for (int i = 0; i < 300; ++i) {
      if (!test::process_alive(pid)) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
  static int first_pid(const std::string &output) { return std::atoi(output.c_str()); }

  test::TempDirs dirs_;
  ToolRuntime rt_;
};

TEST_F(Shell, ArgvIsPassedLiterally) {
  ToolResult r =
      run_tool(rt_, "shell", R"j({"argv":["echo","; touch pwned","$(touch pwned2)","*"]})j");
  ASSERT_TRUE(r.success) << r.error;
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.output, "; touch pwned $(touch pwned2) *\n");
  EXPECT_FALSE(exists(dirs_.ws() + "/pwned"));
  EXPECT_FALSE(exists(dirs_.ws() + "/pwned2"));
}

TEST_F(Shell, CommandStringsAreSplitNotInterpreted) {
  ToolResult r = run_tool(rt_, "shell", R"({"command":"printf '%s|' a 'b c' \"d e\""})");
  ASSERT_TRUE(r.success) << r.error;
  EXPECT_EQ(r.output, "a|b c|d e|");
  r = run_tool(rt_, "shell", R"({"command":"echo hi && touch pwned"})");
  EXPECT_FALSE(r.success);
  EXPECT_NE(r.error.find("argv"), std::string::npos) << r.error;
  r = run_tool(rt_, "shell", R"j({"command":"echo $(touch pwned)"})j");
  EXPECT_FALSE(r.success);
  EXPECT_FALSE(exists(dirs_.ws() + "/pwned"));
}

TEST_F(Shell, ExplicitShellIsAllowed) {
  ToolResult r = run_tool(rt_, "shell", R"({"argv":["sh","-c","echo a | tr a b"]})");
  ASSERT_TRUE(r.success) << r.error;
  EXPECT_EQ(r.output, "b\n");
}

TEST_F(Shell, RunsInTheWorkspaceOrACwdInsideIt) {
  test::write_file(dirs_.ws() + "/sub/marker", "");
  ToolResult r = run_tool(rt_, "shell", R"({"argv":["ls"],"cwd":"sub"})");
  ASSERT_TRUE(r.success) << r.error;
  EXPECT_EQ(r.output, "marker\n");
  r = run_tool(rt_, "shell", R"({"argv":["ls"],"cwd":"missing"})");
  EXPECT_FALSE(r.success);
  r = run_tool(rt_, "shell", R"({"argv":["sh","-c","cat; echo done"]})");  // stdin: /dev/null
  EXPECT_EQ(r.output, "done\n");
}

TEST_F(Shell, ExitStatusAndErrors) {
  ToolResult r = run_tool(rt_, "shell", R"({"argv":["sh","-c","echo out; echo err >&2; exit 3"]})");
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.output.find("out\n"), std::string::npos);
  EXPECT_NE(r.output.find("err\n"), std::string::npos);
  EXPECT_NE(r.error.find("status 3"), std::string::npos) << r.error;

  r = run_tool(rt_, "shell", R"({"argv":["pvpd-no-such-program-xyz","--help"]})");
  EXPECT_FALSE(r.success);
  EXPECT_NE(r.error.find("pvpd-no-such-program-xyz"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("not found"), std::string::npos) << r.error;

  r = run_tool(rt_, "shell", R"({"argv":["sh","-c","kill -9 $$"]})");
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_NE(r.error.find("signal 9"), std::string::npos) << r.error;
}

TEST_F(Shell, EnvironmentIsScrubbedAndSecretsInjectedOnRequest) {
  ::setenv("PVPD_TEST_PARENT_ONLY", "parent-value", 1);
  ::setenv("MY_TOKEN", "parent-copy", 1);  // the configured secret wins when requested
  ToolResult r = run_tool(rt_, "shell", R"({"argv":["env"]})");
  ASSERT_TRUE(r.success) << r.error;
  EXPECT_EQ(r.output.find("PVPD_TEST_PARENT_ONLY"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("MY_TOKEN"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("PATH="), std::string::npos) << r.output;

  // Requested: present in the child (its length is printed: the value itself would be
  // redacted), and only that one.
  r = run_tool(rt_, "shell",
               R"({"argv":["sh","-c","echo ${#MY_TOKEN} ${#OTHER_SECRET}; echo $MY_TOKEN"]})",
               {"MY_TOKEN"});
  ASSERT_TRUE(r.success) << r.error;
  EXPECT_EQ(r.output, "14 0\n[REDACTED:MY_TOKEN]\n");

  r = run_tool(rt_, "shell", R"({"argv":["env"]})", {"NOT_CONFIGURED"});
  EXPECT_FALSE(r.success);
  EXPECT_NE(r.error.find("NOT_CONFIGURED"), std::string::npos);
  ::unsetenv("PVPD_TEST_PARENT_ONLY");
  ::unsetenv("MY_TOKEN");
}

TEST_F(Shell, TimeoutKillsTheProcess) {
  RuntimeOptions o = options();
  o.timeout_ms = 300;
  ToolRuntime rt(o);
  auto start = Clock::now();
  ToolResult r = run_tool(rt, "shell", R"({"argv":["sleep","30"]})");
  EXPECT_LT(ms_since(start), 5000);
  EXPECT_FALSE(r.success);
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_NE(r.error.find("timed out"), std::string::npos) << r.error;

  // A call may ask for less time than the runtime allows, never more.
  start = Clock::now();
  r = run_tool(rt_, "shell", R"({"argv":["sleep","30"],"timeout_ms":200})");
  EXPECT_TRUE(r.timed_out);
  EXPECT_LT(ms_since(start), 5000);
}

TEST_F(Shell, TimeoutEscalatesToSigkill) {
  RuntimeOptions o = options();
  o.timeout_ms = 200;
  ToolRuntime rt(o);
  auto start = Clock::now();
  ToolResult r = run_tool(rt, "shell", R"({"argv":["sh","-c","trap '' TERM; sleep 30"]})");
  EXPECT_TRUE(r.timed_out);
  EXPECT_LT(ms_since(start), 6000);
}

TEST_F(Shell, CancelFromAnotherThreadEndsTheRunPromptly) {
  CancelToken cancel;
  std::thread canceler([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    cancel.cancel();
  });
  auto start = Clock::now();
  ToolResult r = rt_.run("shell", R"({"argv":["sleep","30"]})", OutputFn(), cancel);
  int64_t took = ms_since(start);
  canceler.join();
  EXPECT_TRUE(r.canceled);
  EXPECT_FALSE(r.success);
  EXPECT_LT(took, 2000);
}

TEST_F(Shell, ProcessGroupIsKilledOnTimeout) {
  RuntimeOptions o = options();
  o.timeout_ms = 500;
  ToolRuntime rt(o);
  ToolResult r = run_tool(rt, "shell", R"({"argv":["sh","-c","sleep 30 & echo $!; wait"]})");
  EXPECT_TRUE(r.timed_out);
  int pid = first_pid(r.output);
  ASSERT_GT(pid, 0) << r.output;
  EXPECT_TRUE(gone(pid)) << "grandchild " << pid << " survived";
}

TEST_F(Shell, ProcessGroupIsKilledOnCancel) {
  CancelToken cancel;
  std::mutex mu;
  std::string streamed;
  OutputFn on_output = [&](std::string_view, std::string_view chunk) {
    std::lock_guard<std::mutex> lock(mu);
    streamed.append(chunk);
    if (streamed.find('\n') != std::string::npos) {
      cancel.cancel();  // the grandchild's pid is out: stop the call
    }
  };
  auto start = Clock::now();
  ToolResult r =
      rt_.run("shell", R"({"argv":["sh","-c","sleep 30 & echo $!; wait"]})", on_output, cancel);
  EXPECT_LT(ms_since(start), 3000);
  EXPECT_TRUE(r.canceled);
  int pid = first_pid(r.output);
  ASSERT_GT(pid, 0) << r.output;
  EXPECT_TRUE(gone(pid)) << "grandchild " << pid << " survived";
}

TEST_F(Shell, BackgroundJobsDoNotOutliveTheCall) {
  auto start = Clock::now();
  ToolResult r = run_tool(rt_, "shell", R"({"argv":["sh","-c","sleep 30 & echo $!"]})");
  EXPECT_LT(ms_since(start), 3000);  // the leader's exit ends the call
  ASSERT_TRUE(r.success) << r.error;
  int pid = first_pid(r.output);
  ASSERT_GT(pid, 0) << r.output;
  EXPECT_TRUE(gone(pid)) << "background job " << pid << " survived";
}

TEST_F(Shell, OutputCapKeepsTheStartAndCountsTheRest) {
  RuntimeOptions o = options();
  o.output_cap = 1000;
  ToolRuntime rt(o);
  size_t streamed = 0;
  OutputFn on_output = [&](std::string_view, std::string_view chunk) { streamed += chunk.size(); };
  CancelToken cancel;
  ToolResult r = rt.run(
      "shell",
      R"j({"argv":["sh","-c","i=0; while [ $i -lt 2000 ]; do echo 0123456789; i=$((i+1)); done"]})j",
      on_output, cancel);
  ASSERT_TRUE(r.success) << r.error;
  EXPECT_TRUE(r.truncated);
  EXPECT_EQ(r.output.substr(0, 22), "0123456789\n0123456789\n");
  EXPECT_NE(r.output.find("21000 more bytes"), std::string::npos) << r.output.substr(990);
  EXPECT_EQ(streamed, 1000u);
}

TEST_F(Shell, StreamsRedactedChunksEvenWhenASecretIsSplit) {
  std::vector<std::pair<std::string, std::string>> chunks;
  OutputFn on_output = [&](std::string_view stream, std::string_view chunk) {
    chunks.emplace_back(std::string(stream), std::string(chunk));
  };
  CancelToken cancel;
  // The secret reaches the pipe in two writes, 200 ms apart: two reads, two chunks.
  ToolResult r = rt_.run(
      "shell",
      R"({"argv":["sh","-c","printf 'key=tok-abc'; sleep 0.2; printf '%s\n' '-123456 end'; echo e1 >&2"]})",
      on_output, cancel);
  ASSERT_TRUE(r.success) << r.error;
  EXPECT_NE(r.output.find("key=[REDACTED:MY_TOKEN] end\n"), std::string::npos) << r.output;
  std::string out;
  std::string err;
  for (const auto &[stream, chunk] : chunks) {
    EXPECT_EQ(chunk.find("tok-"), std::string::npos) << chunk;
    (stream == "stdout" ? out : err) += chunk;
  }
  EXPECT_EQ(out, "key=[REDACTED:MY_TOKEN] end\n");
  EXPECT_EQ(err, "e1\n");
  EXPECT_GE(chunks.size(), 2u);
}

TEST_F(Shell, ConcurrentCallsAreIndependent) {
  std::vector<std::thread> threads;
  std::vector<ToolResult> results(4);
  for (size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] {
      results[i] =
          run_tool(rt_, "shell", "{\"argv\":[\"sh\",\"-c\",\"echo " + std::to_string(i) + "\"]}");
    });
  }
  for (std::thread &t : threads) {
    t.join();
  }
  for (size_t i = 0; i < results.size(); ++i) {
    EXPECT_TRUE(results[i].success) << results[i].error;
    EXPECT_EQ(results[i].output, std::to_string(i) + "\n");
  }
}

}  // namespace
}  // namespace pvpd::tools
