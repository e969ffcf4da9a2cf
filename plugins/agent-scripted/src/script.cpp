#include "script.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace pvpd::scripted {
namespace {

std::string text_of(const rapidjson::Value &v) {
  return std::string(v.GetString(), v.GetStringLength());
}

}  // namespace

const Rule *Script::find(std::string_view prompt) const {
  std::string p(prompt);
  for (const Rule &r : rules) {
    if (std::regex_search(p, r.match)) {
      return &r;
    }
  }
  return nullptr;
}

std::string parse_script(std::string_view rules_json, Script *out) {
  rapidjson::Document doc;
  std::string text(rules_json);
  doc.Parse(text.c_str(), text.size());
  if (doc.HasParseError() || !doc.IsArray()) {
    return ": rules must be a list";
  }
  Script s;
  for (rapidjson::SizeType i = 0; i < doc.Size(); ++i) {
    const rapidjson::Value &r = doc[i];
    std::string at = "/" + std::to_string(i);
    if (!r.IsObject()) {
      return at + ": a rule must be a map";
    }
    Rule rule;
    auto str = [&](const char *key, std::string *dst) -> std::string {
      auto it = r.FindMember(key);
      if (it == r.MemberEnd()) {
        return "";
      }
      if (!it->value.IsString()) {
        return at + "/" + key + ": must be a string";
      }
      *dst = text_of(it->value);
      return "";
    };
    for (auto [key, dst] : {std::pair{"match", &rule.pattern}, std::pair{"respond", &rule.respond},
                            std::pair{"after_tools", &rule.after_tools},
                            std::pair{"after_refusal", &rule.after_refusal}}) {
      if (std::string err = str(key, dst); !err.empty()) {
        return err;
      }
    }
    if (rule.pattern.empty()) {
      rule.pattern = ".*";
    }
    try {
      rule.match = std::regex(rule.pattern, std::regex::ECMAScript | std::regex::icase);
    } catch (const std::regex_error &e) {
      return at + "/match: invalid regular expression: " + e.what();
    }
    if (auto it = r.FindMember("think"); it != r.MemberEnd()) {
      if (it->value.IsString()) {
        rule.think.push_back(text_of(it->value));
      } else if (it->value.IsArray()) {
        for (const auto &line : it->value.GetArray()) {
          if (!line.IsString()) {
            return at + "/think: must be a string or a list of strings";
          }
          rule.think.push_back(text_of(line));
        }
      } else {
        return at + "/think: must be a string or a list of strings";
      }
    }
    if (auto it = r.FindMember("tools"); it != r.MemberEnd()) {
      if (!it->value.IsArray()) {
        return at + "/tools: must be a list";
      }
      for (rapidjson::SizeType j = 0; j < it->value.Size(); ++j) {
        const auto &t = it->value[j];
        std::string tat = at + "/tools/" + std::to_string(j);
        if (!t.IsObject() || !t.HasMember("name") || !t["name"].IsString()) {
          return tat + ": a tool needs a name";
        }
        ScriptedTool tool;
        tool.name = text_of(t["name"]);
        tool.input_json = "{}";
        if (auto in = t.FindMember("input"); in != t.MemberEnd()) {
          if (!in->value.IsObject()) {
            return tat + "/input: must be a map";
          }
          rapidjson::StringBuffer buf;
          rapidjson::Writer<rapidjson::StringBuffer> w(buf);
          in->value.Accept(w);
          tool.input_json.assign(buf.GetString(), buf.GetSize());
        }
        rule.tools.push_back(std::move(tool));
      }
    }
    s.rules.push_back(std::move(rule));
  }
  *out = std::move(s);
  return "";
}

std::string_view builtin_demo_script() {
  return R"JSON([
  {"match": "\\b(write|create|save|make)\\b",
   "think": ["The humans want a file in the session workspace.",
             "Writing files is gated: I will propose it and wait for the approvers."],
   "respond": "I'll write `hello.md` in the session workspace. Approve the gate to let it happen.",
   "tools": [{"name": "file_write",
              "input": {"path": "hello.md",
                        "content": "# Hello from pvpd\n\nWritten by the demo agent after the session approved it.\n"}}],
   "after_tools": "Done: `hello.md` is in the workspace.\n\n{results}",
   "after_refusal": "Understood: I did not write the file.\n\n{results}"},
  {"match": "\\b(list|ls|files|workspace)\\b",
   "think": ["Listing a directory only reads; it is low risk."],
   "respond": "Here is what the session workspace holds:",
   "tools": [{"name": "list_dir", "input": {"path": "."}}],
   "after_tools": "{results}",
   "after_refusal": "The listing was refused.\n\n{results}"},
  {"match": "\\b(run|shell|command|status)\\b",
   "think": ["A command runs without a shell, confined to the workspace, with a scrubbed environment."],
   "respond": "I'll run `ls -la` in the workspace; commands are gated like any action.",
   "tools": [{"name": "shell", "input": {"argv": ["ls", "-la"]}}],
   "after_tools": "Output:\n\n{results}",
   "after_refusal": "Understood: the command did not run.\n\n{results}"},
  {"match": ".*",
   "think": ["This is the offline demo agent: no model, no network.",
             "I answer from a script so the session can be explored end to end."],
   "respond": "You said: \"{prompt}\".\n\nI'm pvpd's offline demo agent. Try: \"write a file\" (a gated file_write), \"list files\" (list_dir), or \"run a command\" (a gated shell call). Raise an interrupt while I stream to pause or stop me."}
])JSON";
}

}  // namespace pvpd::scripted
