// cleave: the command-line front end. Parses arguments and calls the library.
#include "cli/commands.hpp"

int main(int argc, char** argv) {
  return cleave::cli::run_main(argc, argv);
}
