using System.Globalization;

namespace OpenChatStudio.Core.Pipelines.Tools;

/// <summary>Safe arithmetic for the calculator tool: numbers, + - * / % ^, parentheses. No names, no calls.</summary>
public static class Calculator
{
    public static double Evaluate(string expression)
    {
        var parser = new Parser(expression ?? "");
        var value = parser.ParseExpression();
        parser.SkipSpaces();
        if (!parser.AtEnd)
        {
            throw new FormatException($"Unexpected '{parser.Current}' at position {parser.Position + 1}.");
        }
        if (double.IsNaN(value) || double.IsInfinity(value))
        {
            throw new FormatException("The result is not a finite number (division by zero?).");
        }
        return value;
    }

    private ref struct Parser(string text)
    {
        private readonly string _text = text;
        private int _depth;

        public int Position { get; private set; }

        public readonly bool AtEnd => Position >= _text.Length;

        public readonly char Current => _text[Position];

        public void SkipSpaces()
        {
            while (!AtEnd && char.IsWhiteSpace(Current))
            {
                Position++;
            }
        }

        public double ParseExpression()
        {
            var value = ParseTerm();
            while (true)
            {
                SkipSpaces();
                if (AtEnd || (Current != '+' && Current != '-'))
                {
                    return value;
                }
                var op = _text[Position++];
                var right = ParseTerm();
                value = op == '+' ? value + right : value - right;
            }
        }

        private double ParseTerm()
        {
            var value = ParsePower();
            while (true)
            {
                SkipSpaces();
                if (AtEnd || (Current != '*' && Current != '/' && Current != '%'))
                {
                    return value;
                }
                var op = _text[Position++];
                var right = ParsePower();
                value = op switch { '*' => value * right, '/' => value / right, _ => value % right };
            }
        }

        private double ParsePower()
        {
            var value = ParseUnary();
            SkipSpaces();
            if (!AtEnd && Current == '^')
            {
                Position++;
                return Math.Pow(value, ParsePower());
            }
            return value;
        }

        private double ParseUnary()
        {
            SkipSpaces();
            if (!AtEnd && (Current == '-' || Current == '+'))
            {
                var negative = _text[Position++] == '-';
                var operand = ParseUnary();
                return negative ? -operand : operand;
            }
            return ParsePrimary();
        }

        private double ParsePrimary()
        {
            SkipSpaces();
            if (AtEnd)
            {
                throw new FormatException("The expression ends too early.");
            }
            if (Current == '(')
            {
                if (++_depth > 50)
                {
                    throw new FormatException("Too many nested parentheses.");
                }
                Position++;
                var inner = ParseExpression();
                SkipSpaces();
                if (AtEnd || Current != ')')
                {
                    throw new FormatException("Missing ')'.");
                }
                Position++;
                _depth--;
                return inner;
            }
            var start = Position;
            while (!AtEnd && (char.IsDigit(Current) || Current == '.'))
            {
                Position++;
            }
            if (start == Position)
            {
                throw new FormatException($"Unexpected '{Current}' at position {Position + 1}.");
            }
            return double.Parse(_text.AsSpan(start, Position - start), NumberStyles.Float, CultureInfo.InvariantCulture);
        }
    }
}
