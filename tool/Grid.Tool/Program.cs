using Grid.Tool;
using Grid.Tool.Commands;

return await GridCli.InvokeAsync(args, CommandContext.FromConsole());
