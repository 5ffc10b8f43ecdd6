#pragma once
// The single YAML document of a configuration file. Internal to config/.
//
// Not YAML::LoadAll: in yaml-cpp 0.7 it loops forever, allocating, on a document that starts
// with a token no node can begin with (a stray ','), because the parser then reports an empty
// document without consuming anything (jbeder/yaml-cpp#1040, fixed upstream by PR #1319 in
// 2024). YAML::Load alone would return an empty document there and silently ignore the rest of
// the file. So the text is walked document by document, at most two, and a document that
// starts where the previous one started is reported as the syntax error it is.
#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>

namespace sqlcache::config {

struct YamlSyntaxError {
  YAML::Mark mark;
  std::string message;  // "invalid YAML: ..."
};

struct YamlDocument {
  YAML::Node root;  // null for an empty file
  std::optional<YamlSyntaxError> error;
};

YamlDocument parse_single_document(const std::string& text);

}  // namespace sqlcache::config
