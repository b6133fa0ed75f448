/** The scaffolded package's version, reported as its plugins' and connectors' version. */
export const VERSION = '0.1.0';
