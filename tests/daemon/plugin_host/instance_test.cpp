// PluginInstance + host API + Core, exercised with an in-process plugin built with the real
// C++ wrapper (pvpd/plugin.hpp), so every call crosses the same C table a .so would use.
#include <gtest/gtest.h>
#include <unistd.h>
#include <pvpd/plugin.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/dll/shared_library.hpp>  // PluginLibrary holds one (null here)

#include "app/core.h"
#include "bus/shared_buffer.h"
#include "plugin_host/plugin_instance.h"
#include "plugin_host/plugin_library.h"

namespace pvpd::plugin_host {
namespace {

// What the test plugin does in each hook; set by each test before create().
struct Script {
  std::function<void(const pvpd::Host &)> on_start;
  std::function<void(const pvpd_conn_id *, size_t, const pvpd_msg_view &)> on_deliver;
  std::vector<std::pair<pvpd_conn_id, uint32_t>> flows;
  bool throw_in_create = false;
  int stops = 0;
};
Script *g_script = nullptr;

class ScriptedPlugin final : public pvpd::Plugin {
 public:
  ScriptedPlugin(pvpd::Host host, std::string_view /*config*/) : Plugin(host) {
    if (g_script->throw_in_create) {
      throw std::runtime_error("boom from create");
    }
  }
  pvpd_status start() override {
    if (g_script->on_start) {
      g_script->on_start(host());
    }
    return PVPD_OK;
  }
  void stop() override { ++g_script->stops; }
  pvpd_status deliver(const pvpd_conn_id *conns, size_t n, const pvpd_msg_view &msg) override {
    if (g_script->on_deliver) {
      g_script->on_deliver(conns, n, msg);
    }
    return PVPD_OK;
  }
  void flow(pvpd_conn_id conn, uint32_t allow) override {
    g_script->flows.emplace_back(conn, allow);
  }
};

const pvpd_plugin_descriptor_v1 kDescriptor = {
    sizeof(pvpd_plugin_descriptor_v1),
    PVPD_ABI_MAJOR,
    PVPD_ABI_MINOR,
    0,
    "scripted",
    "1.0",
    "test plugin",
    "MIT",
    PVPD_KIND_TRANSPORT,
    0,
    nullptr,
    0,
    0,
    &pvpd::detail::Trampolines<ScriptedPlugin>::kVtable,
};

class InstanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    g_script = &script_;
    state_dir_ = std::filesystem::temp_directory_path() /
                 ("pvpd-instance-test-" + std::to_string(::getpid()) + "-" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(state_dir_);
    app::CoreOptions opts;
    opts.inbound_queue_limit = 100;
    opts.stall_warn = std::chrono::milliseconds(1000);
    opts.credentials_dir = (state_dir_ / "creds").string();
    core_ = std::make_unique<app::Core>(opts);
    library_ = std::make_shared<PluginLibrary>(nullptr, &kDescriptor, "in-process");
  }
  void TearDown() override {
    if (inst_) {
      inst_->destroy();
    }
    core_->join_blocking_pool();
    std::filesystem::remove_all(state_dir_);
    g_script = nullptr;
  }

  PluginInstancePtr make(bool start = true) {
    inst_ = std::make_shared<PluginInstance>(*core_, library_, "t1",
                                             (state_dir_ / "plugins" / "t1").string());
    EXPECT_TRUE(inst_->create("{}").is_ok());
    if (start) {
      EXPECT_TRUE(inst_->start().is_ok());
    }
    return inst_;
  }
  // Runs core work until `done` or 5 s (never a fixed sleep).
  void run_until(const std::function<bool()> &done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      core_->io().restart();
      core_->io().run_for(std::chrono::milliseconds(10));
    }
    ASSERT_TRUE(done()) << "condition not reached within 5 s";
  }
  const pvpd_host_api_v1 *api() { return &host_api_table_for_test(); }
  static const pvpd_host_api_v1 &host_api_table_for_test();

  Script script_;
  std::filesystem::path state_dir_;
  std::unique_ptr<app::Core> core_;
  std::shared_ptr<PluginLibrary> library_;
  PluginInstancePtr inst_;
};

}  // namespace
}  // namespace pvpd::plugin_host

#include "plugin_host/host_api.h"

namespace pvpd::plugin_host {
namespace {

const pvpd_host_api_v1 &InstanceTest::host_api_table_for_test() {
  return host_api_table();
}

struct Calls {
  std::atomic<int> ok{0};
  std::atomic<int> canceled{0};
  std::atomic<bool> on_core_thread{true};
  std::thread::id core_thread;
  static void fn(void *user, pvpd_status status) {
    auto *c = static_cast<Calls *>(user);
    if (std::this_thread::get_id() != c->core_thread) {
      c->on_core_thread = false;
    }
    (status == PVPD_OK ? c->ok : c->canceled).fetch_add(1);
  }
};

TEST_F(InstanceTest, PostRunsOnCoreThreadFromAnyThread) {
  auto inst = make();
  Calls calls;
  calls.core_thread = std::this_thread::get_id();
  std::thread t([&] { EXPECT_EQ(api()->post(inst->ctx(), &Calls::fn, &calls), PVPD_OK); });
  t.join();
  run_until([&] { return calls.ok == 1; });
  EXPECT_TRUE(calls.on_core_thread);
  EXPECT_EQ(calls.canceled, 0);
}

TEST_F(InstanceTest, PendingPostIsCanceledExactlyOnceOnStop) {
  auto inst = make();
  Calls calls;
  calls.core_thread = std::this_thread::get_id();
  ASSERT_EQ(api()->post(inst->ctx(), &Calls::fn, &calls), PVPD_OK);
  inst->stop();  // before the core ran the task
  EXPECT_EQ(calls.canceled, 1);
  core_->io().restart();
  core_->io().poll();  // the queued handler finds the task finished
  EXPECT_EQ(calls.ok, 0);
  EXPECT_EQ(calls.canceled, 1);
  EXPECT_EQ(api()->post(inst->ctx(), &Calls::fn, &calls), PVPD_E_STATE)
      << "host calls after stop are refused";
}

TEST_F(InstanceTest, OneShotTimerFiresOnce) {
  auto inst = make();
  Calls calls;
  calls.core_thread = std::this_thread::get_id();
  pvpd_timer_id id = 0;
  ASSERT_EQ(api()->timer_start(inst->ctx(), 1, 0, &Calls::fn, &calls, &id), PVPD_OK);
  EXPECT_NE(id, 0u);
  run_until([&] { return calls.ok == 1; });
  EXPECT_EQ(api()->timer_cancel(inst->ctx(), id), PVPD_E_NOENT) << "already fired";
  inst->stop();
  EXPECT_EQ(calls.ok, 1);
  EXPECT_EQ(calls.canceled, 0);
}

TEST_F(InstanceTest, PeriodicTimerRepeatsUntilCanceledThenGetsOneCancel) {
  auto inst = make();
  Calls calls;
  calls.core_thread = std::this_thread::get_id();
  pvpd_timer_id id = 0;
  ASSERT_EQ(api()->timer_start(inst->ctx(), 1, 1, &Calls::fn, &calls, &id), PVPD_OK);
  run_until([&] { return calls.ok >= 3; });
  ASSERT_EQ(api()->timer_cancel(inst->ctx(), id), PVPD_OK);
  run_until([&] { return calls.canceled == 1; });
  int fired = calls.ok;
  core_->io().restart();
  core_->io().run_for(std::chrono::milliseconds(20));
  EXPECT_EQ(calls.ok, fired) << "no tick after cancel";
  inst->stop();
  EXPECT_EQ(calls.canceled, 1);
  EXPECT_TRUE(calls.on_core_thread);
}

TEST_F(InstanceTest, ArmedTimersAreCanceledByStop) {
  auto inst = make();
  Calls a, b;
  a.core_thread = b.core_thread = std::this_thread::get_id();
  pvpd_timer_id id = 0;
  ASSERT_EQ(api()->timer_start(inst->ctx(), 60000, 0, &Calls::fn, &a, &id), PVPD_OK);
  ASSERT_EQ(api()->timer_start(inst->ctx(), 60000, 1000, &Calls::fn, &b, &id), PVPD_OK);
  core_->io().restart();
  core_->io().poll();
  inst->stop();
  EXPECT_EQ(a.canceled, 1);
  EXPECT_EQ(b.canceled, 1);
  EXPECT_EQ(a.ok + b.ok, 0);
}

struct BlockingCalls {
  std::atomic<bool> work_on_core{false};
  std::atomic<bool> done_on_core{false};
  std::atomic<int> work{0};
  std::atomic<int> done_ok{0};
  std::atomic<int> done_canceled{0};
  std::thread::id core_thread;
  static void work_fn(void *u, pvpd_status) {
    auto *c = static_cast<BlockingCalls *>(u);
    c->work_on_core = std::this_thread::get_id() == c->core_thread;
    ++c->work;
  }
  static void done_fn(void *u, pvpd_status s) {
    auto *c = static_cast<BlockingCalls *>(u);
    c->done_on_core = std::this_thread::get_id() == c->core_thread;
    (s == PVPD_OK ? c->done_ok : c->done_canceled)++;
  }
};

TEST_F(InstanceTest, RunBlockingWorksOffCoreAndCompletesOnCore) {
  auto inst = make();
  BlockingCalls c;
  c.core_thread = std::this_thread::get_id();
  ASSERT_EQ(api()->run_blocking(inst->ctx(), &BlockingCalls::work_fn, &BlockingCalls::done_fn, &c),
            PVPD_OK);
  run_until([&] { return c.done_ok == 1; });
  EXPECT_EQ(c.work, 1);
  EXPECT_FALSE(c.work_on_core);
  EXPECT_TRUE(c.done_on_core);
  EXPECT_EQ(c.done_canceled, 0);
}

TEST_F(InstanceTest, ExceptionInCreateIsAnErrorNotACrash) {
  script_.throw_in_create = true;
  inst_ = std::make_shared<PluginInstance>(*core_, library_, "t1",
                                           (state_dir_ / "plugins" / "t1").string());
  Status st = inst_->create("{}");
  EXPECT_FALSE(st.is_ok());
  EXPECT_EQ(st.code(), PVPD_E_INTERNAL);
  EXPECT_NE(st.message().find("scripted/t1"), std::string::npos);
  inst_.reset();
}

TEST_F(InstanceTest, ConnectionRoundTripThroughTheRouter) {
  std::vector<std::string> received;
  pvpd_conn_id conn = 0;
  script_.on_start = [&](const pvpd::Host &host) {
    pvpd_conn_info info{};
    info.struct_size = sizeof(info);
    info.transport = pvpd::to_str("test");
    info.flags = PVPD_CONN_LOCAL;  // open auth mode admits local peers only
    ASSERT_EQ(host.conn_open(info, &conn), PVPD_OK);
    std::thread t([&, host] {
      EXPECT_EQ(host.conn_inbound(
                    conn, R"({"type":"session.join","session":"s","sender":"me","payload":)"
                          R"({"participant":{"id":"me","name":"Me","type":"human","roles":[],)"
                          R"("transport":"websocket"},"supported_versions":[1]}})"),
                PVPD_OK);
    });
    t.join();
  };
  script_.on_deliver = [&](const pvpd_conn_id *conns, size_t n, const pvpd_msg_view &msg) {
    ASSERT_EQ(n, 1u);
    EXPECT_EQ(conns[0], conn);
    received.emplace_back(bus::buffer_view(msg.envelope));
  };
  make();
  // The join reply sequence: the joiner's own join (from history), the working directory,
  // its announce.
  run_until([&] { return received.size() == 3; });
  EXPECT_NE(received[0].find(R"("type":"session.join")"), std::string::npos);
  EXPECT_NE(received[0].find(R"("seq":1)"), std::string::npos);
  EXPECT_NE(received[0].find(R"("sender":"me")"), std::string::npos);
}

TEST_F(InstanceTest, IngressBackpressurePausesThenResumes) {
  app::CoreOptions opts;
  opts.inbound_queue_limit = 2;
  opts.stall_warn = std::chrono::milliseconds(1000);
  core_->set_options(opts);
  auto inst = make();
  pvpd::Host host(inst->ctx(), api());
  pvpd_conn_info info{};
  info.struct_size = sizeof(info);
  pvpd_conn_id conn = 0;
  ASSERT_EQ(host.conn_open(info, &conn), PVPD_OK);
  std::vector<pvpd_status> results;
  for (int i = 0; i < 5; ++i) {
    results.push_back(host.conn_inbound(conn, R"({"type":"x","session":"s"})"));
  }
  EXPECT_EQ(results,
            (std::vector<pvpd_status>{PVPD_OK, PVPD_OK, PVPD_E_AGAIN, PVPD_E_AGAIN, PVPD_E_AGAIN}));
  run_until([&] { return !script_.flows.empty(); });
  EXPECT_EQ(script_.flows[0], (std::pair<pvpd_conn_id, uint32_t>{conn, 1}));
  EXPECT_EQ(core_->pending_inbound(), 0u);
  EXPECT_EQ(core_->counters().inbound_frames, 5u) << "paused frames were accepted, not dropped";
}

TEST_F(InstanceTest, OversizedInboundIsRefusedWithErrorFrame) {
  app::CoreOptions opts;
  opts.max_message_bytes = 64;
  opts.stall_warn = std::chrono::milliseconds(1000);
  core_->set_options(opts);
  std::vector<std::string> received;
  script_.on_deliver = [&](const pvpd_conn_id *, size_t, const pvpd_msg_view &msg) {
    received.emplace_back(bus::buffer_view(msg.envelope));
  };
  auto inst = make();
  pvpd::Host host(inst->ctx(), api());
  pvpd_conn_info info{};
  info.struct_size = sizeof(info);
  pvpd_conn_id conn = 0;
  ASSERT_EQ(host.conn_open(info, &conn), PVPD_OK);
  EXPECT_EQ(host.conn_inbound(conn, std::string(100, ' ')), PVPD_E_TOOBIG);
  run_until([&] { return received.size() == 1; });
  EXPECT_NE(received[0].find("exceeds the limit of 64 bytes"), std::string::npos);
}

TEST_F(InstanceTest, ConnectionIdsOfAnotherInstanceAreIgnored) {
  auto inst = make();
  pvpd::Host host(inst->ctx(), api());
  EXPECT_EQ(host.conn_inbound(987654321, R"({"type":"x","session":"s"})"), PVPD_OK);
  core_->io().restart();
  core_->io().poll();
  EXPECT_EQ(core_->router().last_seq("s"), 0u);
}

TEST_F(InstanceTest, StallDetectorCountsSlowHooks) {
  // The threshold is read when the instance is built, so it gets a core of its own.
  script_.on_deliver = [](const pvpd_conn_id *, size_t, const pvpd_msg_view &) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  };
  app::Core slow_core([] {
    app::CoreOptions o;
    o.stall_warn = std::chrono::milliseconds(5);
    return o;
  }());
  auto inst = std::make_shared<PluginInstance>(slow_core, library_, "slow",
                                               (state_dir_ / "plugins" / "slow").string());
  ASSERT_TRUE(inst->create("{}").is_ok());
  ASSERT_TRUE(inst->start().is_ok());
  pvpd_conn_id c = 1;
  pvpd_msg_view view{};
  view.struct_size = sizeof(view);
  bus::BufferRef buf = bus::BufferRef::copy_of("{}");
  view.envelope = buf.get();
  inst->deliver(&c, 1, view);
  EXPECT_EQ(inst->stalls(), 1u);
  inst->destroy();
  slow_core.join_blocking_pool();
}

TEST_F(InstanceTest, ReadCredentialRefusesTraversalAndTrimsNewline) {
  auto inst = make();
  std::filesystem::create_directories(state_dir_ / "creds");
  std::ofstream(state_dir_ / "creds" / "api_key") << "s3cret\n";
  std::ofstream(state_dir_ / "outside") << "nope";
  pvpd_buf *out = nullptr;
  ASSERT_EQ(api()->read_credential(inst->ctx(), pvpd::to_str("api_key"), &out), PVPD_OK);
  EXPECT_EQ(bus::buffer_view(out), "s3cret");
  bus::buffer_unref(out);
  EXPECT_EQ(api()->read_credential(inst->ctx(), pvpd::to_str("../outside"), &out), PVPD_E_INVAL);
  EXPECT_EQ(api()->read_credential(inst->ctx(), pvpd::to_str("missing"), &out), PVPD_E_NOENT);
}

TEST_F(InstanceTest, StateDirIsPrivateAndNulTerminated) {
  auto inst = make();
  pvpd_str dir = api()->state_dir(inst->ctx());
  ASSERT_NE(dir.ptr, nullptr);
  EXPECT_EQ(dir.ptr[dir.len], '\0');
  auto perms = std::filesystem::status(std::string(dir.ptr, dir.len)).permissions();
  EXPECT_EQ(perms & std::filesystem::perms::all, std::filesystem::perms::owner_all);
}

TEST_F(InstanceTest, SubscriptionsAreRemovedWhenTheInstanceStops) {
  auto inst = make();
  int calls = 0;
  pvpd_sub_filter filter{};
  filter.struct_size = sizeof(filter);
  pvpd_sub_id sub = 0;
  ASSERT_EQ(api()->subscribe(
                inst->ctx(), &filter,
                [](void *u, const pvpd_msg_view *) { ++*static_cast<int *>(u); }, &calls, &sub),
            PVPD_OK);
  bus::Envelope env = bus::Envelope::make("x", "s", "p", "i", "t");
  core_->bus().broadcast(bus::RoutedMessage::from(env, 1, 0));
  EXPECT_EQ(calls, 1);
  inst->stop();
  core_->bus().broadcast(bus::RoutedMessage::from(env, 2, 0));
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace pvpd::plugin_host
