#include "config/schema.h"

#include <gtest/gtest.h>

#include <cstddef>

#include "config/json_util.h"

namespace pvpd::config {
namespace {

pvpd_option_desc opt(const char *key, uint32_t type, uint32_t flags = 0,
                     const char *def = nullptr) {
  return pvpd_option_desc{sizeof(pvpd_option_desc), type, flags, 0, key, def, "", nullptr, 0, 0};
}

struct Checked {
  std::string json;
  std::vector<std::string> errors;
  std::map<std::string, Mark> marks;
};

Checked check(const std::string &yaml, const std::vector<pvpd_option_desc> &options) {
  DiagnosticSink sink;
  auto root = parse_yaml(yaml, "t.yaml", sink);
  EXPECT_TRUE(root);
  SchemaResult r = validate_options(&*root, root->mark, options, "cfg", sink);
  Checked c{canonical_json(r.json), {}, r.pointer_marks};
  for (const auto &d : sink.take_sorted({"t.yaml"}, 100)) {
    c.errors.push_back(d.format());
  }
  EXPECT_EQ(r.ok, c.errors.empty());
  return c;
}

TEST(ConfigSchema, NormalizesTypesAndFillsDefaults) {
  auto c = check(
      "s: 123\ni: '-5'\nb: yes\nd: 1.5s\nz: 2KiB\nf: 2\nl: one\nany: {k: [1, true, 'x', ~]}\n",
      {opt("s", PVPD_OPT_STRING), opt("i", PVPD_OPT_INT), opt("b", PVPD_OPT_BOOL),
       opt("d", PVPD_OPT_DURATION), opt("z", PVPD_OPT_SIZE), opt("f", PVPD_OPT_FLOAT),
       opt("l", PVPD_OPT_STRING_LIST), opt("any", PVPD_OPT_ANY),
       opt("def.nested", PVPD_OPT_DURATION, 0, "\"1m\""), opt("none", PVPD_OPT_STRING)});
  EXPECT_TRUE(c.errors.empty());
  EXPECT_EQ(c.json, R"({"any":{"k":[1,true,"x",null]},"b":true,"d":1500,"def":{"nested":60000},)"
                    R"("f":2.0,"i":-5,"l":["one"],"s":"123","z":2048})");
}

TEST(ConfigSchema, PointerMarksCoverNodes) {
  auto c = check("a:\n  b: 1\nlist:\n  - k: 2\n",
                 {opt("a.b", PVPD_OPT_INT), opt("list[].k", PVPD_OPT_INT)});
  EXPECT_TRUE(c.errors.empty());
  EXPECT_EQ(c.marks.at("/a/b").line, 2);
  EXPECT_EQ(c.marks.at("/list/0").line, 4);
  EXPECT_EQ(c.marks.at("/list/0/k").col, 8);
  EXPECT_EQ(c.marks.at("").line, 1);
}

TEST(ConfigSchema, NullMeansNotSet) {
  auto c = check("x:\n", {opt("x", PVPD_OPT_INT, 0, "7")});
  EXPECT_EQ(c.json, R"({"x":7})");
}

TEST(ConfigSchema, RequiredInsideAbsentMapReportsAtParent) {
  auto c = check("other: 1\n",
                 {opt("other", PVPD_OPT_INT), opt("tls.cert", PVPD_OPT_STRING, PVPD_OPT_REQUIRED)});
  EXPECT_EQ(
      c.errors,
      (std::vector<std::string>{"t.yaml:1:1: error: cfg.tls.cert: missing required key 'cert'"}));
}

TEST(ConfigSchema, ShortOptionStructsAreZeroExtended) {
  // A plugin built against a smaller pvpd_option_desc: stride and fields come from struct_size.
  struct OldOpt {
    uint32_t struct_size, type, flags, reserved0;
    const char *key;
  };
  OldOpt old[2] = {{sizeof(OldOpt), PVPD_OPT_INT, PVPD_OPT_RANGE, 0, "a"},
                   {sizeof(OldOpt), PVPD_OPT_STRING, 0, 0, "b"}};
  pvpd_plugin_descriptor_v1 d{};
  d.struct_size = sizeof d;
  d.options = reinterpret_cast<const pvpd_option_desc *>(old);
  d.option_count = 2;
  auto table = read_option_table(&d);
  ASSERT_EQ(table.size(), 2u);
  EXPECT_STREQ(table[1].key, "b");
  EXPECT_EQ(table[1].default_json, nullptr);
  EXPECT_EQ(table[0].max_value, 0);
  d.struct_size = offsetof(pvpd_plugin_descriptor_v1, options);
  EXPECT_TRUE(read_option_table(&d).empty());
  EXPECT_TRUE(read_option_table(nullptr).empty());
}

}  // namespace
}  // namespace pvpd::config
