// Plugin status_json → /health object and Prometheus samples.
#include "app/plugin_metrics.h"

#include <gtest/gtest.h>

namespace pvpd::app {
namespace {

TEST(PluginMetrics, NumericMembersBecomeLabelledGauges) {
  std::vector<PluginStatus> in = {
      {"t140", "rtt-1",
       R"({"packets":12,"streams":{"active":2,"expired":1},"srtp":true,)"
       R"("name":"x","list":[1,2]})"},
      {"t140", "rtt-2", R"({"packets":3})"},
      {"agent-scripted", "demo", R"({"tokens":1.5})"},
      {"broken", "b", "not json"},
      {"none", "n", ""},
  };
  std::string text = plugin_metrics_text(in);
  EXPECT_NE(text.find("# TYPE pvpd_plugin_t140_packets gauge\n"
                      "pvpd_plugin_t140_packets{instance=\"rtt-1\"} 12\n"
                      "pvpd_plugin_t140_packets{instance=\"rtt-2\"} 3\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("pvpd_plugin_t140_streams_active{instance=\"rtt-1\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("pvpd_plugin_t140_srtp{instance=\"rtt-1\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("pvpd_plugin_agent_scripted_tokens{instance=\"demo\"} 1.5\n"),
            std::string::npos);
  EXPECT_EQ(text.find("_name"), std::string::npos) << "strings are not samples";
  EXPECT_EQ(text.find("_list"), std::string::npos);
  EXPECT_EQ(text.find("broken"), std::string::npos);
  // One HELP/TYPE block per name, however many instances report it.
  EXPECT_EQ(text.find("# TYPE pvpd_plugin_t140_packets", text.find("rtt-2")), std::string::npos);
}

TEST(PluginMetrics, LabelValuesAreEscaped) {
  std::string text = plugin_metrics_text({{"p", "a\"b\\c", R"({"n":1})"}});
  EXPECT_NE(text.find(R"(pvpd_plugin_p_n{instance="a\"b\\c"} 1)"), std::string::npos) << text;
}

TEST(PluginMetrics, StatusObjectKeepsValidObjectsByInstance) {
  EXPECT_EQ(plugin_status_object(
                {{"ws", "ws", R"({"connections":1})"}, {"x", "bad", "[1]"}, {"y", "empty", ""}}),
            R"({"ws":{"connections":1}})");
  EXPECT_EQ(plugin_status_object({}), "{}");
}

}  // namespace
}  // namespace pvpd::app
