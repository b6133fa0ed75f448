#!/usr/bin/env node
// The `tributary` bin: a committed file (so installing the workspace can link it before anything is
// built) that runs the compiled CLI.
import '../dist/bin.js';
