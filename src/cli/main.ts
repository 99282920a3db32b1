import { Command, CommanderError } from 'commander';
import packageJson from '../../package.json' with { type: 'json' };
import { logger } from '../observability.js';
import { register as registerCheck } from './commands/check.js';
import { register as registerDoctor } from './commands/doctor.js';
import { register as registerFleet } from './commands/fleet.js';
import { register as registerPolicy } from './commands/policy.js';
import { register as registerRemediate } from './commands/remediate.js';
import { register as registerRuntimes } from './commands/runtimes.js';
import { register as registerSweep } from './commands/sweep.js';
import { register as registerVerify } from './commands/verify.js';
import { type CliContext, createContext } from './context.js';
import { type CliIO, describeError, EXIT } from './output.js';

export const CLI_NAME = 'agentcore-guard';
export const CLI_VERSION: string = packageJson.version;

/** The whole command line, fresh for each run so that runs never share state. */
export function buildProgram(ctx: CliContext): Command {
  const { io } = ctx;
  const program = new Command(CLI_NAME)
    .description('Keep Amazon Bedrock AgentCore runtime roles able to use the Code Interpreter.')
    .version(CLI_VERSION)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .showHelpAfterError(`(run ${CLI_NAME} --help for usage)`)
    .addHelpText(
      'after',
      '\nAWS credentials and region come from the standard chain (AWS_PROFILE, environment, SSO); ' +
        'AWS_ENDPOINT_URL is honoured.\nExit codes: 0 all good, 1 findings or failures, 2 usage or credential errors.',
    );
  // One line per command; each command lives in ./commands/<name>.ts.
  registerPolicy(program, ctx);
  registerCheck(program, ctx);
  registerRemediate(program, ctx);
  registerSweep(program, ctx);
  registerRuntimes(program, ctx);
  registerDoctor(program, ctx);
  registerVerify(program, ctx);
  registerFleet(program, ctx);
  program.hook('preAction', async (_program, command) => {
    if (callsAws(command)) await ctx.prepareAws();
  });
  return program;
}

/**
 * Runs one command line (`argv` without the node and script paths) and resolves to the exit code.
 * Never calls process.exit, so tests can run it in-process.
 */
export async function run(argv: readonly string[], io: CliIO): Promise<number> {
  const ctx = createContext(io);
  // The functions' JSON log lines are for CloudWatch; here they would land in the middle of a person's output.
  // POWERTOOLS_LOG_LEVEL brings them back for debugging.
  // The level is the process's: it is put back when the command is done, for whatever runs in-process after it.
  const logLevel = logger.getLevelName();
  if (!(io.env ?? process.env).POWERTOOLS_LOG_LEVEL) logger.setLogLevel('SILENT');
  const program = buildProgram(ctx);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ctx.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed help, the version, or what was wrong with the command line.
      // `--help` and `--version` succeed; help shown because no command was given is a usage error.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT.ok;
      return EXIT.usage;
    }
    const { exitCode, message } = describeError(error, ctx.errorContext());
    io.stderr.write(`${CLI_NAME}: ${message}\n`);
    return exitCode;
  } finally {
    logger.setLogLevel(logLevel);
  }
}

/** Every command but `policy` and `verify --local` calls AWS. */
function callsAws(command: Command): boolean {
  if (command.name() === 'policy') return false;
  if (command.name() === 'verify') return Boolean(command.opts().agent);
  return true;
}
