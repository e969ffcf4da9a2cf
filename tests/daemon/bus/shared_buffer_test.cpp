#include "bus/shared_buffer.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace pvpd::bus {
namespace {

TEST(SharedBufferTest, LastUnrefFrees) {
  size_t before = buffers_alive();
  pvpd_buf *b = buffer_create("hello");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(buffer_view(b), "hello");
  EXPECT_EQ(b->data[5], '\0');
  EXPECT_EQ(buffers_alive(), before + 1);
  buffer_ref(b);
  buffer_unref(b);
  EXPECT_EQ(buffers_alive(), before + 1);
  buffer_unref(b);
  EXPECT_EQ(buffers_alive(), before);
}

TEST(SharedBufferTest, BufferRefCopiesShareOneBuffer) {
  size_t before = buffers_alive();
  {
    BufferRef a = BufferRef::copy_of("x");
    BufferRef b = a;
    BufferRef c = std::move(b);
    EXPECT_EQ(a.get(), c.get());
    EXPECT_FALSE(b);  // NOLINT(bugprone-use-after-move): moved-from is documented empty
    EXPECT_EQ(buffers_alive(), before + 1);
  }
  EXPECT_EQ(buffers_alive(), before);
}

TEST(SharedBufferTest, ConcurrentRefUnrefIsSafe) {
  BufferRef shared = BufferRef::copy_of("payload");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        BufferRef copy = shared;
        ASSERT_EQ(copy.view(), "payload");
      }
    });
  }
  for (auto &th : threads) {
    th.join();
  }
  EXPECT_EQ(shared.get()->refs.load(), 1u);
}

TEST(SharedBufferTest, EmptyBufferIsValid) {
  BufferRef e = BufferRef::copy_of("");
  ASSERT_TRUE(e);
  EXPECT_EQ(e.view().size(), 0u);
}

}  // namespace
}  // namespace pvpd::bus
