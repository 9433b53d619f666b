/* TEMPORARY: replaced by the real `kafaat mail` implementation. */
#include <stdio.h>

#include "cli/cli.h"

int cmd_mail(struct cli *cli)
{
	(void)cli;
	fprintf(stderr, "kafaat mail: not built yet\n");
	return 1;
}
