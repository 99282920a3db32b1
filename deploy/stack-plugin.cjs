'use strict';
/** osls loads plugins with require(); tsx compiles stack-plugin.ts (and what it imports from src/) offline. */
const { require: requireTypeScript } = require('tsx/cjs/api');

module.exports = requireTypeScript('./stack-plugin.ts', __filename).default;
