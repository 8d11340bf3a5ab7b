/* Marks memory as undefined (secret) or defined (public) for valgrind
 * memcheck: the ctgrind method. Outside valgrind both are no-ops. */
#include <stddef.h>
#include "memcheck.h" /* from /usr/include/valgrind */

void ct_secret(const void *p, size_t n) { VALGRIND_MAKE_MEM_UNDEFINED(p, n); }
void ct_public(const void *p, size_t n) { VALGRIND_MAKE_MEM_DEFINED(p, n); }
unsigned ct_running_on_valgrind(void) { return RUNNING_ON_VALGRIND; }
