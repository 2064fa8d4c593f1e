Console.WriteLine("eml");
return 0;
