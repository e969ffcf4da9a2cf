// Tests of the header-only C++17 wrapper <pvpd/plugin.hpp> against a fake host table: BufRef
// reference counting, Host::has() slot detection by struct_size, and the noexcept trampolines
// turning exceptions into PVPD_E_INTERNAL plus a log line.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pvpd/plugin.hpp>

#include <cstddef>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using ::testing::HasSubstr;

// Fake host state; pvpd_buf handles are pointers into `bufs` (never dereferenced as pvpd_buf).
struct FakeBuf {
  std::string bytes;
  int refs = 1;
};
struct FakeHost {
  std::vector<std::string> logs;
  int unrefs = 0;
};
FakeHost *g_host = nullptr;

FakeBuf *fake(const pvpd_buf *b) {
  return reinterpret_cast<FakeBuf *>(const_cast<pvpd_buf *>(b));
}

pvpd_host_api_v1 make_api() {
  pvpd_host_api_v1 api{};
  api.struct_size = sizeof(api);
  api.abi_major = PVPD_ABI_MAJOR;
  api.abi_minor = PVPD_ABI_MINOR;
  api.log = [](pvpd_host_ctx *, int32_t, pvpd_str m) { g_host->logs.emplace_back(m.ptr, m.len); };
  api.buf_copy = [](pvpd_host_ctx *, const void *data, size_t len) -> pvpd_buf * {
    auto *b = new FakeBuf{std::string(static_cast<const char *>(data), len), 1};
    return reinterpret_cast<pvpd_buf *>(b);
  };
  api.buf_ref = [](const pvpd_buf *b) { ++fake(b)->refs; };
  api.buf_unref = [](const pvpd_buf *b) {
    ++g_host->unrefs;
    if (--fake(b)->refs == 0) {
      delete fake(b);
    }
  };
  api.buf_view = [](const pvpd_buf *b) {
    return pvpd_str{fake(b)->bytes.data(), fake(b)->bytes.size()};
  };
  return api;
}

class WrapperTest : public ::testing::Test {
 protected:
  void SetUp() override { g_host = &host_; }
  void TearDown() override { g_host = nullptr; }
  pvpd_host_ctx *ctx() { return reinterpret_cast<pvpd_host_ctx *>(&host_); }
  FakeHost host_;
  pvpd_host_api_v1 api_ = make_api();
};

TEST_F(WrapperTest, BufRefCountsReferences) {
  pvpd::Host host(ctx(), &api_);
  pvpd::BufRef owned = host.copy("hello");
  ASSERT_TRUE(owned);
  FakeBuf *raw = fake(owned.get());
  EXPECT_EQ(raw->refs, 1);
  EXPECT_EQ(owned.view(), "hello");
  {
    pvpd::BufRef second = pvpd::BufRef::retain(&api_, owned.get());
    EXPECT_EQ(raw->refs, 2);
    pvpd::BufRef moved(std::move(second));
    EXPECT_FALSE(second);  // NOLINT(bugprone-use-after-move): moved-from is empty by contract
    EXPECT_EQ(raw->refs, 2);
  }
  EXPECT_EQ(raw->refs, 1);
  EXPECT_EQ(host_.unrefs, 1);
  pvpd::BufRef other = host.copy("x");
  other = std::move(owned);  // releases "x", adopts "hello"
  EXPECT_EQ(host_.unrefs, 2);
  EXPECT_EQ(other.view(), "hello");
  other.reset();
  EXPECT_EQ(host_.unrefs, 3);
  EXPECT_FALSE(other);
  EXPECT_EQ(other.view(), "");
  pvpd::BufRef none = pvpd::BufRef::retain(&api_, nullptr);
  EXPECT_FALSE(none);
}

TEST_F(WrapperTest, HasDetectsSlotsBeyondAnOlderHostsStructSize) {
  pvpd::Host host(ctx(), &api_);
  EXPECT_TRUE(host.has(&pvpd_host_api_v1::log));
  EXPECT_TRUE(host.has(&pvpd_host_api_v1::buf_view));
  EXPECT_FALSE(host.has(&pvpd_host_api_v1::publish)) << "present in the table but NULL";

  // An "older host" whose table ends right after buf_view.
  api_.publish = [](pvpd_host_ctx *, pvpd_str) -> pvpd_status { return PVPD_OK; };
  api_.struct_size =
      static_cast<uint32_t>(offsetof(pvpd_host_api_v1, buf_view) + sizeof(api_.buf_view));
  EXPECT_TRUE(host.has(&pvpd_host_api_v1::buf_view));
  EXPECT_FALSE(host.has(&pvpd_host_api_v1::conn_open));
  EXPECT_FALSE(host.has(&pvpd_host_api_v1::publish)) << "non-NULL but beyond struct_size";
  // A slot that straddles the end is absent too.
  api_.struct_size += 4;
  EXPECT_FALSE(host.has(&pvpd_host_api_v1::conn_open));
}

// A plugin whose every hook throws, to exercise the trampolines.
class Thrower final : public pvpd::Plugin {
 public:
  Thrower(pvpd::Host host, std::string_view config) : Plugin(host) {
    if (config == "bad_alloc") {
      throw std::bad_alloc();
    }
    if (config == "throw") {
      throw std::runtime_error("ctor failed");
    }
    if (config == "int") {
      throw 42;
    }
  }
  static void validate(std::string_view config, pvpd::ValidationReport &report) {
    if (config == "report") {
      report.add("/listen", "bad address");
    }
    if (config == "throw") {
      throw std::runtime_error("validate boom");
    }
  }
  pvpd_status start() override { throw std::runtime_error("start boom"); }
  pvpd_status reload(std::string_view) override { throw std::logic_error("reload boom"); }
  void stop() override { throw std::runtime_error("stop boom"); }
  pvpd_status deliver(const pvpd_conn_id *, std::size_t, const pvpd_msg_view &) override {
    throw 7;
  }
  void close_conn(pvpd_conn_id, int32_t) override { throw std::runtime_error("close boom"); }
  void flow(pvpd_conn_id, uint32_t) override { throw std::runtime_error("flow boom"); }
  std::string status_json() override { throw std::runtime_error("status boom"); }
};

using ThrowerHooks = pvpd::detail::Trampolines<Thrower>;

pvpd_str s(std::string_view v) {
  return pvpd::to_str(v);
}

TEST_F(WrapperTest, CreateMapsExceptionsToStatus) {
  const pvpd_plugin_vtable_v1 &vt = ThrowerHooks::kVtable;
  void *self = nullptr;
  EXPECT_EQ(vt.create(ctx(), &api_, s("bad_alloc"), &self), PVPD_E_NOMEM);
  EXPECT_EQ(vt.create(ctx(), &api_, s("throw"), &self), PVPD_E_INTERNAL);
  EXPECT_EQ(vt.create(ctx(), &api_, s("int"), &self), PVPD_E_INTERNAL);
  EXPECT_EQ(self, nullptr);
  ASSERT_EQ(host_.logs.size(), 2u);
  EXPECT_EQ(host_.logs[0], "exception in create: ctor failed");
  EXPECT_EQ(host_.logs[1], "unknown exception in create");
}

TEST_F(WrapperTest, EveryHookCatchesAndLogs) {
  const pvpd_plugin_vtable_v1 &vt = ThrowerHooks::kVtable;
  void *self = nullptr;
  ASSERT_EQ(vt.create(ctx(), &api_, s("{}"), &self), PVPD_OK);
  EXPECT_EQ(vt.start(self), PVPD_E_INTERNAL);
  EXPECT_EQ(vt.reload(self, s("{}")), PVPD_E_INTERNAL);
  pvpd_conn_id conn = 1;
  pvpd_msg_view msg{};
  msg.struct_size = sizeof msg;
  EXPECT_EQ(vt.deliver(self, &conn, 1, &msg), PVPD_E_INTERNAL);
  vt.close_conn(self, 1, PVPD_CLOSE_NORMAL);
  vt.flow(self, 1, 1);
  pvpd_buf *out = nullptr;
  EXPECT_EQ(vt.status_json(self, &out), PVPD_E_INTERNAL);
  vt.stop(self);
  vt.destroy(self);
  EXPECT_EQ(host_.logs, (std::vector<std::string>{
                            "exception in start: start boom",
                            "exception in reload: reload boom",
                            "unknown exception in deliver",
                            "exception in close_conn: close boom",
                            "exception in flow: flow boom",
                            "exception in status_json: status boom",
                            "exception in stop: stop boom",
                        }));
}

TEST_F(WrapperTest, ValidateReportsFindingsAndCatches) {
  const pvpd_plugin_vtable_v1 &vt = ThrowerHooks::kVtable;
  ASSERT_NE(vt.validate, nullptr) << "Thrower declares a static validate";
  std::vector<std::string> found;
  auto report = [](void *user, pvpd_str ptr, pvpd_str message) {
    static_cast<std::vector<std::string> *>(user)->push_back(std::string(ptr.ptr, ptr.len) + ": " +
                                                             std::string(message.ptr, message.len));
  };
  EXPECT_EQ(vt.validate(s("{}"), report, &found), PVPD_OK);
  EXPECT_EQ(vt.validate(s("report"), report, &found), PVPD_E_INVAL);
  EXPECT_EQ(vt.validate(s("throw"), report, &found), PVPD_E_INVAL);
  EXPECT_EQ(found,
            (std::vector<std::string>{"/listen: bad address", ": validate threw an exception"}));
}

class Quiet final : public pvpd::Plugin {
 public:
  Quiet(pvpd::Host host, std::string_view) : Plugin(host) {}
  std::string status_json() override { return "{\"ok\":true}"; }
};

TEST_F(WrapperTest, DefaultsAndStatusJson) {
  const pvpd_plugin_vtable_v1 &vt = pvpd::detail::Trampolines<Quiet>::kVtable;
  EXPECT_EQ(vt.struct_size, sizeof(pvpd_plugin_vtable_v1));
  EXPECT_EQ(vt.validate, nullptr) << "no static validate => NULL slot";
  void *self = nullptr;
  ASSERT_EQ(vt.create(ctx(), &api_, s("{}"), &self), PVPD_OK);
  EXPECT_EQ(vt.start(self), PVPD_OK);
  EXPECT_EQ(vt.reload(self, s("{}")), PVPD_E_UNSUPPORTED);
  pvpd_conn_id conn = 1;
  pvpd_msg_view msg{};
  EXPECT_EQ(vt.deliver(self, &conn, 1, &msg), PVPD_E_UNSUPPORTED);
  pvpd_buf *out = nullptr;
  ASSERT_EQ(vt.status_json(self, &out), PVPD_OK);
  EXPECT_EQ(fake(out)->bytes, "{\"ok\":true}");
  api_.buf_unref(out);
  vt.stop(self);
  vt.destroy(self);
  EXPECT_TRUE(host_.logs.empty());
}

TEST(WrapperStatus, Names) {
  EXPECT_STREQ(pvpd::status_name(PVPD_E_AGAIN), "AGAIN");
  EXPECT_STREQ(pvpd::status_name(-99), "UNKNOWN");
}

}  // namespace

// The macro itself: emits the entry symbol and a complete descriptor.
namespace {
constexpr pvpd_option_desc kQuietOptions[] = {
    pvpd::option_string("a", "\"x\"", "first"),
    pvpd::option(PVPD_OPT_INT, "b", "1", "second", PVPD_OPT_RANGE, nullptr, 0, 9),
};
}  // namespace
PVPD_PLUGIN(Quiet, "quiet", "0.1.0", "test plugin", "MIT", PVPD_KIND_BRIDGE, kQuietOptions)

namespace {
TEST(WrapperMacro, DescriptorIsComplete) {
  const pvpd_plugin_descriptor_v1 *d = pvpd_plugin_entry_v1();
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d, pvpd_plugin_entry_v1()) << "same pointer every call";
  EXPECT_EQ(d->struct_size, sizeof(pvpd_plugin_descriptor_v1));
  EXPECT_EQ(d->abi_major, static_cast<uint32_t>(PVPD_ABI_MAJOR));
  EXPECT_EQ(d->abi_minor_built, static_cast<uint32_t>(PVPD_ABI_MINOR));
  EXPECT_EQ(d->min_host_minor, 0u);
  EXPECT_STREQ(d->name, "quiet");
  EXPECT_EQ(d->kinds, PVPD_KIND_BRIDGE);
  EXPECT_EQ(d->flags, PVPD_PLUGIN_MULTI_INSTANCE);
  ASSERT_EQ(d->option_count, 2u);
  EXPECT_EQ(d->options[1].struct_size, sizeof(pvpd_option_desc));
  EXPECT_EQ(d->options[1].max_value, 9);
  EXPECT_EQ(d->vtable, &pvpd::detail::Trampolines<Quiet>::kVtable);
}
}  // namespace
