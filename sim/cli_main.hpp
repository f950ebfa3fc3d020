// The one way ccsim's programs parse their command line and report a failure: CLI11's own exit
// for usage errors, "ccsim: error: MESSAGE" and status 1 for anything a command throws.
#pragma once

#include <exception>
#include <iostream>

#include <CLI/CLI.hpp>

namespace ccsim::cli {

inline int parse_and_run(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::cerr << "ccsim: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace ccsim::cli
