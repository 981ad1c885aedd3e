/* lua: a small stand-alone Lua 5.4 interpreter for Stardust's posix profile (lua-src ships the
 * library, not lua.c). Usage: lua [-e CODE]... [SCRIPT [ARGUMENTS...]]
 * Runs each -e chunk, then SCRIPT with the global `arg` set as lua.c sets it (arg[0] the script,
 * arg[1..] its arguments) and the arguments also passed as `...`. An error prints
 * "lua: MESSAGE" with a traceback on standard error and exits with 1; os.exit works as usual. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lauxlib.h"
#include "lua.h"
#include "lualib.h"

static int traceback(lua_State *L) {
    const char *message = lua_tostring(L, 1);
    if (message == NULL) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) return 1;
        message = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    luaL_traceback(L, L, message, 1);
    return 1;
}

static int report(lua_State *L, int status) {
    if (status != LUA_OK) {
        fprintf(stderr, "lua: %s\n", lua_tostring(L, -1));
        fflush(stderr);
        lua_pop(L, 1);
    }
    return status;
}

static int call(lua_State *L, int arguments) {
    int base = lua_gettop(L) - arguments;
    lua_pushcfunction(L, traceback);
    lua_insert(L, base);
    int status = lua_pcall(L, arguments, 0, base);
    lua_remove(L, base);
    return status;
}

int main(int argc, char **argv) {
    lua_State *L = luaL_newstate();
    if (L == NULL) {
        fprintf(stderr, "lua: cannot create the state: not enough memory\n");
        return 1;
    }
    luaL_openlibs(L);
    /* The script's position: after the -e pairs. `arg` is set before any chunk runs. */
    int script = 1;
    while (script + 1 < argc && strcmp(argv[script], "-e") == 0) script += 2;
    lua_createtable(L, argc > script ? argc - script - 1 : 0, script + 1);
    for (int i = 0; i < argc; i++) {
        lua_pushstring(L, argv[i]);
        lua_rawseti(L, -2, i - script);
    }
    lua_setglobal(L, "arg");
    int index = 1;
    while (index < argc && strcmp(argv[index], "-e") == 0) {
        if (index + 1 >= argc) {
            fprintf(stderr, "usage: lua [-e CODE]... [SCRIPT [ARGUMENTS...]]\n");
            return 2;
        }
        int status = luaL_loadstring(L, argv[index + 1]);
        if (status == LUA_OK) status = call(L, 0);
        if (report(L, status) != LUA_OK) return 1;
        index += 2;
    }
    if (index < argc) {
        int status = luaL_loadfile(L, argv[index]);
        if (status == LUA_OK) {
            for (int i = index + 1; i < argc; i++) lua_pushstring(L, argv[i]);
            status = call(L, argc - index - 1);
        }
        if (report(L, status) != LUA_OK) return 1;
    } else if (argc == 1) {
        fprintf(stderr, "usage: lua [-e CODE]... [SCRIPT [ARGUMENTS...]]\n");
        return 2;
    }
    lua_close(L);
    return 0;
}
