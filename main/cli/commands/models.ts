// `cause-studio models add|pull|list|optimize|remove` and `cause-studio backbones`: the ONNX model store.
import type { Command } from 'commander';
import type { ModelSummary } from '../../../shared/contract/backbones.js';
import { table, type CliRuntime } from '../runtime.js';

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
const describe = (m: ModelSummary) =>
  `${m.name}: ${m.family}, patch ${m.patchSize}, dim ${m.dim}${m.fixedSize ? `, fixed ${m.fixedSize.width}x${m.fixedSize.height}` : ''}, ` +
  `${mb(m.bytes)}, attention ${m.attention}, sha256 ${m.sha256.slice(0, 12)}…`;

export function register(program: Command, rt: CliRuntime): void {
  program
    .command('backbones')
    .description('list the backbones features can be extracted with (built-ins and stored models)')
    .action(async () => {
      await rt.withEngine({ runJobs: false, allowReadonly: true }, async (engine) => {
        const list = await engine.call('backbones.list', {});
        rt.print(list, () =>
          table(['id', 'kind', 'family', 'patch', 'dim', 'size', 'description'], list.map((b) => [b.id, b.kind, b.family, b.patchSize, b.dim, b.referenceSize, b.description])),
        );
      });
    });

  const models = program.command('models').description('ONNX backbone models in this workspace');

  models
    .command('add <file>')
    .description('validate, hash and register an ONNX ViT export (pixel_values → last_hidden_state)')
    .requiredOption('--name <name>', 'name to use it by (e.g. dinov2-b14)')
    .option('--family <family>', 'dinov2 | dino | mae | vit (guessed from the file name otherwise)')
    .option('--patch <n>', 'patch size, when the graph does not show it')
    .action(async (file: string, o: { name: string; family?: string; patch?: string }) => {
      await rt.withEngine({ runJobs: false }, async (engine) => {
        const m = await engine.callUnchecked('models.add', {
          path: file,
          name: o.name,
          ...(o.family ? { family: o.family } : {}),
          ...(o.patch ? { patchSize: Number(o.patch) } : {}),
        }) as ModelSummary;
        rt.print(m, () => `added ${describe(m)}`);
      });
    });

  models
    .command('pull <preset>')
    .description('download a known export from the Hugging Face hub (dinov2-small, dinov2-base, dino-vits8, …)')
    .option('--name <name>', 'register under this name (default: the preset)')
    .option('--endpoint <url>', 'hub base URL (default $HF_ENDPOINT or https://huggingface.co)')
    .option('--timeout <ms>', 'give up when the hub does not answer within this time', '15000')
    .action(async (preset: string, o: { name?: string; endpoint?: string; timeout: string }) => {
      await rt.withEngine({ runJobs: false }, async (engine) => {
        const off = engine.onEvent((e) => {
          if (e.type === 'log' && !rt.json) process.stderr.write(`${e.message}\n`);
        });
        try {
          const m = await engine.call('models.pull', {
            preset,
            ...(o.name ? { name: o.name } : {}),
            ...(o.endpoint ? { endpoint: o.endpoint } : {}),
            timeoutMs: Number(o.timeout),
          });
          rt.print(m, () => `pulled ${describe(m)}`);
        } finally {
          off();
        }
      });
    });

  models
    .command('list')
    .description('list stored models')
    .action(async () => {
      await rt.withEngine({ runJobs: false, allowReadonly: true }, async (engine) => {
        const list = await engine.call('models.list', {});
        rt.print(list, () =>
          list.length
            ? table(['name', 'family', 'patch', 'dim', 'size', 'attention', 'source'], list.map((m) => [m.name, m.family, m.patchSize, m.dim, mb(m.bytes), m.attention, m.source]))
            : 'no models (add one with `cause-studio models add <file.onnx> --name N`; built-ins rgb and builtin need none)',
        );
      });
    });

  models
    .command('optimize <name>')
    .description('make the fused-attention variant extraction runs (models added by an older studio have none); kept only if its tokens match the original within 1e-4')
    .action(async (name: string) => {
      await rt.withEngine({ runJobs: false }, async (engine) => {
        const off = engine.onEvent((e) => {
          if (e.type === 'log' && !rt.json) process.stderr.write(`${e.message}\n`);
        });
        try {
          const m = await engine.call('models.optimize', { name });
          rt.print(m, () => describe(m));
        } finally {
          off();
        }
      });
    });

  models
    .command('remove <name>')
    .description('unregister a model and delete its copy')
    .action(async (name: string) => {
      await rt.withEngine({ runJobs: false }, async (engine) => {
        const r = await engine.callUnchecked('models.remove', { name });
        rt.print(r, () => `removed ${name}`);
      });
    });
}
