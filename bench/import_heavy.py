"""Import 150 standard library modules, as a large program does at start-up."""

import importlib

MODULES = """
abc aifc argparse array ast asynchat asyncio asyncore base64 bdb binascii bisect bz2 calendar cgi
cgitb chunk cmath cmd code codecs codeop collections colorsys compileall concurrent configparser
contextlib contextvars copy copyreg cProfile crypt csv dataclasses datetime dbm decimal
difflib dis doctest email encodings enum errno faulthandler filecmp fileinput fnmatch fractions
ftplib functools gc getopt getpass gettext glob graphlib gzip hashlib heapq hmac html http imaplib
imghdr inspect io ipaddress itertools json keyword linecache locale logging lzma mailbox mailcap
marshal math mimetypes mmap modulefinder multiprocessing netrc numbers operator optparse os pathlib
pdb pickle pickletools pipes pkgutil platform plistlib poplib posixpath pprint profile pstats pty
py_compile pyclbr pydoc queue quopri random re reprlib rlcompleter runpy sched secrets selectors
shelve shlex shutil signal site smtplib sndhdr socket socketserver sqlite3 ssl stat statistics
string stringprep struct subprocess sunau symtable sysconfig tabnanny tarfile telnetlib tempfile
textwrap threading timeit tokenize trace traceback tracemalloc types typing unittest uuid warnings
wave weakref webbrowser xdrlib zipapp zipfile zipimport zoneinfo
""".split()

loaded = 0
for name in MODULES[:150]:
    try:
        importlib.import_module(name)
        loaded += 1
    except ImportError:
        pass
print(loaded)
