/* host — which machine this is, as the other machines of an incident see it.
 * A host is a data directory: its id is random, made once and kept in the
 * directory ("host-id", 0600), so two data directories on one machine are two
 * hosts and a copied directory is a mistake the sync reports. Its name is for
 * people (WARROOM_HOST, config `host`, else the hostname). Every event this
 * process appends records the host id (log_append fills it in). */
#ifndef WARROOM_HOST_H
#define WARROOM_HOST_H

#include <stdbool.h>

#include "warroom/event.h"

#define HOST_ID_LEN 16     /* hex digits: 64 random bits */
#define HOST_NAME_MAX_LEN 64

/* Reads (or creates, once) the host id of data directory DIR and sets it, with
 * NAME (NULL: WARROOM_HOST, else the hostname), as this process's host. */
int host_open(const char *dir, const char *name);

/* This process's host id, or NULL when no data directory was opened (tools,
 * tests): then events record no host. */
const char *host_id(void);
const char *host_name(void);

/* True when ID has the shape of a host id (and so is safe in a ref name). */
bool host_valid_id(const char *id);

/* True when EV was recorded here: its host is ours, or it names none (written
 * before hosts existed, or by a process with no data directory). */
bool host_is_ours(const struct event *ev);

#endif
