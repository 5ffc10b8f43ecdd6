#include "options.hpp"

#include <cstdio>
#include <cstdlib>

namespace bench {

std::optional<Options> Options::parse(int argc, char** argv, int first) {
  Options options;
  for (int i = first; i < argc; ++i) {
    std::string name = argv[i];
    if (name.rfind("--", 0) != 0 || i + 1 >= argc) {
      std::fprintf(stderr, "bench_client: expected '--name value', got '%s'\n", name.c_str());
      return std::nullopt;
    }
    options.values_[name.substr(2)] = argv[++i];
  }
  return options;
}

std::string Options::text(const std::string& name, const std::string& fallback) const {
  auto found = values_.find(name);
  return found == values_.end() ? fallback : found->second;
}

long Options::number(const std::string& name, long fallback) const {
  auto found = values_.find(name);
  return found == values_.end() ? fallback : std::strtol(found->second.c_str(), nullptr, 10);
}

}  // namespace bench
