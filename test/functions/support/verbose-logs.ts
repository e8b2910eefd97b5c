/** Turns Powertools logging on for the handlers this test file loads next (they read it at load). */
import "./env";

process.env.POWERTOOLS_LOG_LEVEL = "DEBUG";
