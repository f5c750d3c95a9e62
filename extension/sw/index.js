// The service worker: one small file per feature, each registering its listeners at top level.
import './install.js';
import './usage.js';
import './triggers.js';
import './status.js';
