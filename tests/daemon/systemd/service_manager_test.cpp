// ServiceManager against a fake NOTIFY_SOCKET: the exact datagrams systemd would receive.
#include "systemd/service_manager.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <charconv>
#include <chrono>

#include "daemon/systemd/test_env.h"
#include "fakes/fake_service_manager.h"
#include "fakes/notify_listener.h"

namespace pvpd::systemd {
namespace {

using namespace std::chrono_literals;
using testing::NotifyListener;
using testing::ScopedEnv;

constexpr auto kWait = 5s;

class ServiceManagerTest : public ::testing::TestWithParam<NotifyListener::Kind> {
 protected:
  NotifyListener listener_{GetParam()};
  ScopedEnv env_{"NOTIFY_SOCKET", listener_.socket_env()};
  std::unique_ptr<ServiceManager> sm_ = make_service_manager();

  std::string next() {
    auto msg = listener_.next(kWait);
    EXPECT_TRUE(msg.has_value()) << "no datagram within " << kWait.count() << "s";
    return msg.value_or("");
  }
};

TEST_P(ServiceManagerTest, Ready) {
  sm_->ready("2 plugins, ws on 127.0.0.1:3000");
  EXPECT_EQ(next(), "READY=1\nSTATUS=2 plugins, ws on 127.0.0.1:3000");
}

TEST_P(ServiceManagerTest, ReadyWithoutStatus) {
  sm_->ready("");
  EXPECT_EQ(next(), "READY=1");
}

TEST_P(ServiceManagerTest, ReloadingCarriesMonotonicUsec) {
  const uint64_t before = monotonic_usec();
  sm_->reloading("reloading");
  const uint64_t after = monotonic_usec();
  const std::string msg = next();
  EXPECT_EQ(testing::notify_field(msg, "RELOADING"), "1");
  EXPECT_EQ(testing::notify_field(msg, "STATUS"), "reloading");
  const auto usec_text = testing::notify_field(msg, "MONOTONIC_USEC");
  ASSERT_TRUE(usec_text.has_value()) << msg;
  uint64_t usec = 0;
  const char *end = usec_text->data() + usec_text->size();
  auto [ptr, ec] = std::from_chars(usec_text->data(), end, usec);
  ASSERT_TRUE(ec == std::errc() && ptr == end) << "not a number: " << *usec_text;
  EXPECT_GE(usec, before);
  EXPECT_LE(usec, after);
  // Also close to clock_gettime as read independently of the helper.
  struct timespec ts {};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  const uint64_t now =
      static_cast<uint64_t>(ts.tv_sec) * 1000000u + static_cast<uint64_t>(ts.tv_nsec) / 1000u;
  EXPECT_LE(now - usec, 5'000'000u);
}

TEST_P(ServiceManagerTest, Stopping) {
  sm_->stopping("draining 3 connections");
  EXPECT_EQ(next(), "STOPPING=1\nSTATUS=draining 3 connections");
}

TEST_P(ServiceManagerTest, StatusOnly) {
  sm_->status("3 sessions");
  EXPECT_EQ(next(), "STATUS=3 sessions");
}

TEST_P(ServiceManagerTest, StatusCannotInjectFields) {
  sm_->status("bad\nREADY=1");
  EXPECT_EQ(next(), "STATUS=bad READY=1");
}

TEST_P(ServiceManagerTest, Watchdog) {
  sm_->watchdog();
  EXPECT_EQ(next(), "WATCHDOG=1");
}

TEST_P(ServiceManagerTest, ExtendTimeout) {
  sm_->extend_timeout(std::chrono::seconds(10));
  EXPECT_EQ(next(), "EXTEND_TIMEOUT_USEC=10000000");
}

TEST_P(ServiceManagerTest, SequenceArrivesInOrder) {
  sm_->ready("up");
  sm_->reloading("reloading");
  sm_->ready("reloaded");
  sm_->stopping("bye");
  const auto msgs = listener_.wait_for("STOPPING=1", kWait);
  ASSERT_EQ(msgs.size(), 4u);
  EXPECT_EQ(msgs[0], "READY=1\nSTATUS=up");
  EXPECT_EQ(testing::notify_field(msgs[1], "RELOADING"), "1");
  EXPECT_EQ(msgs[2], "READY=1\nSTATUS=reloaded");
  EXPECT_EQ(msgs[3], "STOPPING=1\nSTATUS=bye");
}

INSTANTIATE_TEST_SUITE_P(Sockets, ServiceManagerTest,
                         ::testing::Values(NotifyListener::Kind::kPath,
                                           NotifyListener::Kind::kAbstract),
                         [](const auto &param_info) {
                           return param_info.param == NotifyListener::Kind::kPath ? "Path"
                                                                                  : "Abstract";
                         });

TEST(ServiceManagerNoSocket, CallsAreNoOpsWhenNotifySocketUnset) {
  NotifyListener listener;
  ScopedEnv env("NOTIFY_SOCKET", std::nullopt);
  auto sm = make_service_manager();
  sm->ready("x");
  sm->reloading("x");
  sm->stopping("x");
  sm->status("x");
  sm->watchdog();
  sm->extend_timeout(1s);
  EXPECT_FALSE(listener.next(50ms).has_value());
}

TEST(ServiceManagerNoSocket, DoesNotUnsetNotifySocket) {
  NotifyListener listener;
  ScopedEnv env("NOTIFY_SOCKET", listener.socket_env());
  make_service_manager()->ready("");
  ASSERT_TRUE(listener.next(kWait).has_value());
  ASSERT_NE(std::getenv("NOTIFY_SOCKET"), nullptr);
  EXPECT_EQ(std::string(std::getenv("NOTIFY_SOCKET")), listener.socket_env());
}

TEST(ServiceManagerWatchdog, IntervalFromEnvironment) {
  ScopedEnv usec("WATCHDOG_USEC", "30000000");
  ScopedEnv pid("WATCHDOG_PID", std::to_string(::getpid()));
  EXPECT_EQ(make_service_manager()->watchdog_interval(), std::chrono::microseconds(30'000'000));
}

TEST(ServiceManagerWatchdog, DisabledWhenUnset) {
  ScopedEnv usec("WATCHDOG_USEC", std::nullopt);
  ScopedEnv pid("WATCHDOG_PID", std::nullopt);
  EXPECT_EQ(make_service_manager()->watchdog_interval(), std::nullopt);
}

TEST(ServiceManagerWatchdog, DisabledForAnotherPid) {
  ScopedEnv usec("WATCHDOG_USEC", "30000000");
  ScopedEnv pid("WATCHDOG_PID", std::to_string(::getpid() + 1));
  EXPECT_EQ(make_service_manager()->watchdog_interval(), std::nullopt);
}

TEST(NotifyMessage, Format) {
  EXPECT_EQ(notify_message("READY=1", ""), "READY=1");
  EXPECT_EQ(notify_message("", "s"), "STATUS=s");
  EXPECT_EQ(notify_message("STOPPING=1", "a\tb\x7f"), "STOPPING=1\nSTATUS=a b ");
}

TEST(FakeServiceManager, RecordsDatagrams) {
  testing::FakeServiceManager fake;
  ServiceManager &sm = fake;
  sm.ready("up");
  sm.reloading("reloading");
  sm.watchdog();
  sm.stopping("bye");
  EXPECT_EQ(fake.messages,
            (std::vector<std::string>{"READY=1\nSTATUS=up", "RELOADING=1\nSTATUS=reloading",
                                      "WATCHDOG=1", "STOPPING=1\nSTATUS=bye"}));
  EXPECT_EQ(fake.watchdog_pings, 1);
}

}  // namespace
}  // namespace pvpd::systemd
