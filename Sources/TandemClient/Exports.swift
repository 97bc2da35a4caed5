// The client's API speaks TandemRedis's vocabulary (`ServerAddress`, `Command`,
// `CommandArgument`), so a program that imports TandemClient sees it too.
@_exported import TandemRedis
