using System.CommandLine;
using Grid.Tool.Commands;
using Grid.Tool.Diagnostics;

namespace Grid.Tool;

/// <summary>The root command. Every failure becomes one GRID-coded line on stderr and a documented exit code.</summary>
public static class GridCli
{
    public static RootCommand Create(CommandContext context) => new("dotnet grid: run a Grid job over local workers or cheap cloud capacity, and collect its results.")
    {
        RunCommand.Create(context),
        RunsCommand.Create(context),
        StatusCommand.Create(context),
        LogsCommand.Create(context),
        ReportCommand.Create(context),
        ReproCommand.Create(context),
        DownCommand.Create(context),
        IamPolicyCommand.Create(context),
    };

    public static async Task<int> InvokeAsync(string[] args, CommandContext context, CancellationToken cancellationToken = default)
    {
        var root = Create(context);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await context.Error.WriteLineAsync($"{ErrorCodes.BadOption}: {error.Message}").ConfigureAwait(false);
            }

            await context.Error.WriteLineAsync("Run 'dotnet grid --help' for usage.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { Output = context.Out, Error = context.Error, EnableDefaultExceptionHandler = false }, cancellationToken).ConfigureAwait(false);
        }
        catch (GridException e)
        {
            await context.Error.WriteLineAsync(e.ToString()).ConfigureAwait(false);
            return e.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return ExitCodes.Interrupted;
        }
    }
}
