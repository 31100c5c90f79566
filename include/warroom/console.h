/* console — the full-screen war room (ui/). The only door from the command
 * line into the console; it includes no curses, so the core stays free of it. */
#ifndef WARROOM_CONSOLE_H
#define WARROOM_CONSOLE_H

#include "warroom/session.h"

/* Runs the console on S's incident (or lets the user pick or declare one)
 * until the user quits or a signal stops it; the terminal is restored on every
 * way out. Returns the exit status. */
int console_run(struct session *s);

#endif
