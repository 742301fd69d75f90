"""hermetic's Python API: hermetic_blocker and with_hermetic.

This file is compiled into the hermetic module and runs in its namespace
the first time one of these names is used, so importing hermetic costs
nothing more. _check, _push, _pop and _sync_environment are the module's C
functions.
"""

import functools

# co_flags bit of a coroutine function (CO_COROUTINE in CPython's code.h);
# checking it avoids importing inspect.
_CO_COROUTINE = 0x0080


class hermetic_blocker:
    """Block capabilities while a with block (or a decorated call) runs.

    The policy applies to the whole process, every thread included, while
    any block is active. Blocks nest as a union; leaving one restores the
    policy from before it, also when the body raises. The policy hermetic
    started with is never weakened. With sealed=True the policy stays after
    the block ends. Keywords: block_network, allow_localhost, allow_domains,
    allow_unix_sockets, block_subprocess, allow_exec, fs_readonly, fs_root,
    allow_write, allow_read, block_native, allow_native, block_environment,
    allow_env, block_code_exec, deny_imports, block_interpreter_mutation,
    trace, sealed, profile; and the aliases no_network, no_subprocess,
    no_environment, no_env, no_code_exec, no_interpreter_mutation.
    """

    def __init__(self, *args, **options):
        if args:
            raise TypeError("hermetic_blocker() takes keyword arguments only")
        # Check every keyword now, so a mistake surfaces where it is made.
        _check(**options)
        self._options = options
        self._layers = []

    def __enter__(self):
        self._layers.append(_push(**self._options))
        _sync_environment()
        return self

    def __exit__(self, exc_type, exc, traceback):
        if self._layers:
            _pop(self._layers.pop())
            _sync_environment()
        return False

    async def __aenter__(self):
        return self.__enter__()

    async def __aexit__(self, exc_type, exc, traceback):
        return self.__exit__(exc_type, exc, traceback)

    def __call__(self, function):
        options = self._options
        code = getattr(function, "__code__", None)
        if code is not None and code.co_flags & _CO_COROUTINE:
            @functools.wraps(function)
            async def blocked_coroutine(*args, **kwargs):
                with hermetic_blocker(**options):
                    return await function(*args, **kwargs)
            return blocked_coroutine

        @functools.wraps(function)
        def blocked(*args, **kwargs):
            with hermetic_blocker(**options):
                return function(*args, **kwargs)
        return blocked

    def __repr__(self):
        options = ", ".join(f"{k}={v!r}" for k, v in sorted(self._options.items()))
        return f"hermetic_blocker({options})"


def with_hermetic(*args, **options):
    """Decorate a function (plain or async def) to run under hermetic_blocker(**options)."""
    return hermetic_blocker(*args, **options)
