// cleave: the command-line front end. Parses arguments and calls the library.
#include <csignal>

#include "cli/commands.hpp"
#include "dist/comm.hpp"

int main(int argc, char** argv) {
  // Under mpirun or srun every rank runs this; errors end the job in
  // run_main (MPI_Abort), so a normal return means every rank returns.
  // Past a file size limit (ulimit -f), a write fails with EFBIG and is
  // reported, instead of SIGXFSZ killing the process mid-file (set before
  // MPI starts, which writes files of its own).
  std::signal(SIGXFSZ, SIG_IGN);
  cleave::dist::init(&argc, &argv);
  const int rc = cleave::cli::run_main(argc, argv);
  cleave::dist::finalize();
  return rc;
}
