/* TEMPORARY: replaced by the real `kafaat audit` implementation. */
#include <stdio.h>

#include "cli/cli.h"

int cmd_audit(struct cli *cli)
{
	(void)cli;
	fprintf(stderr, "kafaat audit: not built yet\n");
	return 1;
}
