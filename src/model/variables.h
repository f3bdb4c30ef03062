// ((name)) variables in manifests, as the cf CLI substitutes them before a manifest is parsed.
//
// Owns: typed values read from YAML (vars files, --var values) and their substitution into a
// YAML tree. Does not own: where the variables come from (cli/manifest_vars.h).
// Thread: any; pure functions. yaml-cpp stays inside model/.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace YAML {
class Node;
}

namespace mcf::model {

// A YAML document as a typed value: plain scalars become null, booleans (true/yes/on ...),
// integers or floats as YAML 1.1 resolves them; quoted scalars stay strings. kParse with the
// line on a syntax error.
base::Result<nlohmann::json> parseYamlValue(const std::string& yaml);

// Replaces ((name)) placeholders in every scalar of `root` (keys too). A scalar that is one
// whole placeholder becomes the variable's typed value (a number, a list, a map ...); inside
// a longer scalar the value is written as text, which only strings and integers can be.
// ((name.key)) reads a key of a map variable. `vars` is an object of name -> value.
// Every variable is looked up: the missing ones give kNotFound
// "Expected to find variables: a, b" (sorted, once each); unused variables are fine.
base::Status substituteVariables(YAML::Node& root, const nlohmann::json& vars);

}  // namespace mcf::model
