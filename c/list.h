/* list.h - `ptear list`. */
#ifndef PTEAR_LIST_H
#define PTEAR_LIST_H

int cmd_list(void);

#endif
