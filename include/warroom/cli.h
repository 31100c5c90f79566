/* cli — the command line: every verb of DESIGN.md's "Command line".
 * cli_main parses ARGV, runs the verb and returns the exit status: 0 done,
 * 1 failed (a message on stderr says what and what to do), 2 usage. */
#ifndef WARROOM_CLI_H
#define WARROOM_CLI_H

int cli_main(int argc, char **argv);

#endif
