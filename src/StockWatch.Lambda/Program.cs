using StockWatch.Lambda.Local;

return await LocalCommands.RunAsync(args);
