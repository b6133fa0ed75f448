/** The package entry point, empty on purpose: @tributary/cli is the `tributary` command (bin.ts), not a library. */
export {};
