/**
 * zod/mini with English messages, for code that runs in Lambda. Import it as a namespace
 * (`import * as z from "./zod"`): `export *` keeps every export statically analysable, so
 * esbuild bundles only what a handler uses (~20 KB) instead of all of zod (~440 KB).
 */
import { config } from "zod/mini";
import { en } from "zod/locales";

config(en());

export * from "zod/mini";
