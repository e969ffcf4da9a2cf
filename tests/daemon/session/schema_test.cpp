#include "session/schema.h"
#include <gtest/gtest.h>
TEST(SchemaTest, Placeholder) { EXPECT_TRUE(pvpd::session::is_known_type("error")); }
