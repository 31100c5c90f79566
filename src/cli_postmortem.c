#include <stdio.h>

#include "warroom/cli.h"
#include "warroom/error.h"

int cli_postmortem(struct cli_context *c)
{
    (void)c;
    error_set("postmortem is not available in this build yet");
    return cli_fail();
}
