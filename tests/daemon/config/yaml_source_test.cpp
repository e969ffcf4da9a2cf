#include "config/yaml_source.h"

#include <gtest/gtest.h>

namespace pvpd::config {
namespace {

std::vector<std::string> errors_of(DiagnosticSink &sink) {
  std::vector<std::string> out;
  for (const auto &d : sink.take_sorted({"t.yaml"}, 100)) {
    out.push_back(d.format());
  }
  return out;
}

TEST(ConfigYamlSource, MarksAreOneBased) {
  DiagnosticSink sink;
  auto root = parse_yaml("a:\n  b: 'x'\n  c: 3\n", "t.yaml", sink);
  ASSERT_TRUE(root);
  ASSERT_TRUE(root->is_map());
  const YamlNode *a = root->find("a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->mark.line, 2);
  EXPECT_EQ(a->mark.col, 3);
  const YamlNode *b = a->find("b");
  EXPECT_EQ(b->mark.line, 2);
  EXPECT_EQ(b->mark.col, 6);
  EXPECT_TRUE(b->quoted);
  EXPECT_FALSE(a->find("c")->quoted);
  EXPECT_EQ(b->mark.file, "t.yaml");
}

TEST(ConfigYamlSource, DuplicateKeysAtEveryLevel) {
  DiagnosticSink sink;
  auto root = parse_yaml("a: 1\nb:\n  x: 1\n  x: 2\na: 3\nl:\n  - {k: 1, k: 2}\n", "t.yaml", sink);
  ASSERT_TRUE(root);
  EXPECT_EQ(errors_of(sink),
            (std::vector<std::string>{
                "t.yaml:4:3: error: b.x: duplicate key 'x' (first defined at t.yaml:3:3)",
                "t.yaml:5:1: error: a: duplicate key 'a' (first defined at t.yaml:1:1)",
                "t.yaml:7:12: error: l[0].k: duplicate key 'k' (first defined at t.yaml:7:6)",
            }));
  // The first occurrence stays, as with yaml-cpp lookups.
  EXPECT_EQ(root->find("a")->scalar, "1");
  EXPECT_EQ(root->find("b")->entries.size(), 1u);
}

TEST(ConfigYamlSource, SyntaxErrorIsOneBasedWithFile) {
  DiagnosticSink sink;
  EXPECT_FALSE(parse_yaml("a: [1\n", "t.yaml", sink));
  EXPECT_EQ(errors_of(sink), (std::vector<std::string>{"t.yaml:2:1: error: YAML syntax error: "
                                                       "end of sequence flow not found"}));
}

TEST(ConfigYamlSource, EmptyDocumentIsNull) {
  DiagnosticSink sink;
  auto root = parse_yaml("# only a comment\n", "t.yaml", sink);
  ASSERT_TRUE(root);
  EXPECT_TRUE(root->is_null());
  EXPECT_EQ(sink.error_count(), 0u);
}

TEST(ConfigYamlSource, AliasesAreCopiedAndCyclesRejected) {
  DiagnosticSink sink;
  auto root = parse_yaml("base: &b {x: 1}\nuse: *b\n", "t.yaml", sink);
  ASSERT_TRUE(root);
  EXPECT_EQ(root->find("use")->find("x")->scalar, "1");
  DiagnosticSink sink2;
  EXPECT_FALSE(parse_yaml("a: &a [*a]\n", "t.yaml", sink2));
  EXPECT_EQ(sink2.error_count(), 1u);
}

TEST(ConfigYamlSource, BillionLaughsIsBounded) {
  std::string doc = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 12; ++i) {
    std::string prev = "*a" + std::to_string(i - 1);
    doc += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [" + prev + ", " + prev + ", " +
           prev + ", " + prev + ", " + prev + ", " + prev + ", " + prev + ", " + prev + ", " +
           prev + ", " + prev + "]\n";
  }
  DiagnosticSink sink;
  EXPECT_FALSE(parse_yaml(doc, "t.yaml", sink));
  EXPECT_EQ(sink.error_count(), 1u);
}

TEST(ConfigYamlSource, MultipleDocumentsRejected) {
  DiagnosticSink sink;
  EXPECT_FALSE(parse_yaml("a: 1\n---\nb: 2\n", "t.yaml", sink));
  EXPECT_EQ(errors_of(sink),
            (std::vector<std::string>{
                "t.yaml:2:1: error: only one YAML document per file is supported"}));
}

TEST(ConfigYamlSource, NonScalarKeysRejected) {
  DiagnosticSink sink;
  auto root = parse_yaml("? [a, b]\n: 1\nok: 2\n", "t.yaml", sink);
  ASSERT_TRUE(root);
  EXPECT_EQ(sink.error_count(), 1u);
  EXPECT_EQ(root->entries.size(), 1u);
}

}  // namespace
}  // namespace pvpd::config
