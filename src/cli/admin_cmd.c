/* TEMPORARY: replaced by the real `kafaat admin` implementation. */
#include <stdio.h>

#include "cli/cli.h"

int cmd_admin(struct cli *cli)
{
	(void)cli;
	fprintf(stderr, "kafaat admin: not built yet\n");
	return 1;
}
