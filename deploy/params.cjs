'use strict';
/**
 * osls loads `${file(...)}` resolvers with require(), and Node 20 cannot require TypeScript: tsx compiles
 * params.ts (and the settings module it shares with src/config.ts) on the fly, offline, at package time.
 */
const { require: requireTypeScript } = require('tsx/cjs/api');

module.exports = { ...requireTypeScript('./params.ts', __filename) };
