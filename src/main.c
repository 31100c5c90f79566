#include "warroom/cli.h"
#include "warroom/console.h"

int main(int argc, char **argv)
{
    cli_console = console_run;
    return cli_main(argc, argv);
}
