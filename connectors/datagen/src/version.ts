/** Reported as the plugin and connector version. */
export const VERSION = '0.1.0';
