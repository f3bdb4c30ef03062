// The builder's command line: Go flag syntax, as the stager and CF's stager pass it.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iterator>

#include "base/strutil.h"
#include "lifecycle/builder.h"
#include "lifecycle/lifecycle.h"

namespace mcf::lifecycle {

namespace {

base::Result<bool> parseBool(const std::string& name, const std::string& value) {
  std::string v = base::toLower(value);
  if (v == "1" || v == "t" || v == "true") return true;
  if (v == "0" || v == "f" || v == "false") return false;
  return base::makeError(base::Errc::kInvalid,
                         "invalid boolean value \"{}\" for -{}: use true or false", value, name);
}

std::string absolute(const std::string& path) {
  std::error_code ec;
  auto p = std::filesystem::absolute(path, ec);
  return ec ? path : p.lexically_normal().string();
}

}  // namespace

base::Result<BuilderOptions> parseBuilderArgs(const std::vector<std::string>& args) {
  BuilderOptions o;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    if (arg == "--") {
      if (i + 1 < args.size())
        return base::makeError(base::Errc::kInvalid, "unexpected argument \"{}\"", args[i + 1]);
      break;
    }
    if (arg.size() < 2 || arg[0] != '-')
      return base::makeError(base::Errc::kInvalid,
                             "unexpected argument \"{}\": flags look like -name=value", arg);
    arg = arg.substr(arg[1] == '-' ? 2 : 1);
    std::string name = arg, value;
    bool has_value = false;
    if (size_t eq = arg.find('='); eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      has_value = true;
    }
    if (name == "skipDetect" || name == "skipCertVerify") {
      bool b = true;
      if (has_value) {
        auto parsed = parseBool(name, value);
        if (!parsed) return parsed.takeError();
        b = *parsed;
      }
      if (name == "skipDetect") o.skip_detect = b;
      continue;
    }
    static const char* const kValueFlags[] = {"buildDir",
                                              "buildpacksDir",
                                              "buildpackOrder",
                                              "buildArtifactsCacheDir",
                                              "outputDroplet",
                                              "outputMetadata",
                                              "outputBuildArtifactsCache",
                                              "buildpacksDownloadDir"};
    if (std::find(std::begin(kValueFlags), std::end(kValueFlags), name) == std::end(kValueFlags))
      return base::makeError(base::Errc::kInvalid, "flag provided but not defined: -{}", name);
    if (!has_value) {
      if (i + 1 >= args.size())
        return base::makeError(base::Errc::kInvalid, "flag needs an argument: -{}", name);
      value = args[++i];
    }
    if (name == "buildDir")
      o.build_dir = value;
    else if (name == "buildpacksDir")
      o.buildpacks_dir = value;
    else if (name == "buildArtifactsCacheDir")
      o.cache_dir = value;
    else if (name == "outputDroplet")
      o.output_droplet = value;
    else if (name == "outputMetadata")
      o.output_metadata = value;
    else if (name == "buildpacksDownloadDir")
      o.buildpacks_download_dir = value;
    else if (name == "buildpackOrder") {
      o.buildpack_order.clear();
      for (std::string& key : base::split(value, ','))
        if (!base::trim(key).empty()) o.buildpack_order.push_back(base::trim(key));
    }
    // -outputBuildArtifactsCache is ignored: the platform packs the cache directory itself.
  }
  for (std::string* path :
       {&o.build_dir, &o.buildpacks_dir, &o.cache_dir, &o.output_droplet, &o.output_metadata})
    *path = absolute(*path);
  if (!o.buildpacks_download_dir.empty())
    o.buildpacks_download_dir = absolute(o.buildpacks_download_dir);
  return o;
}

int builderMain(int argc, char** argv) {
  std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  auto options = parseBuilderArgs(args);
  if (!options) {
    std::fprintf(stderr, "builder: %s\n", options.error().message.c_str());
    return kExitUsage;
  }
  return runBuilder(*options);
}

}  // namespace mcf::lifecycle
