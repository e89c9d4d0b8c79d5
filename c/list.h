/* list.h - `ptear list [--json]`. */
#ifndef PTEAR_LIST_H
#define PTEAR_LIST_H

/* json: the ptear-list/1 document instead of the lines */
int cmd_list(int json);

#endif
