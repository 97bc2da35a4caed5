// Test servers hand out `RedisConnection`s: a test that imports TandemTesting sees TandemRedis too.
@_exported import TandemRedis
