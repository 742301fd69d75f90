/* The Python API's C half: policy layers and policy(). The classes around
 * it (hermetic_blocker, with_hermetic) are in src/api.py. */
#ifndef HERMETIC_API_H
#define HERMETIC_API_H

/* _push, _pop and policy, added to the hermetic module. */
extern PyMethodDef api_methods[];

/* Raise hermetic.HermeticError with `message`. */
void api_raise_error(const char *message);

#endif
