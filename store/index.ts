/**
 * The embedded store's public face: open the SQLite database of a data
 * directory and apply a part's migrations. See database.ts.
 */
export { openDatabase, openStore, migrate, STORE_FILE, type Db, type Migration } from "./database.ts";
export { lockDataDir, DataDirInUseError, LOCK_FILE, type DataDirLock, type LockHolder } from "./dir-lock.ts";
